//! Each company's security policy: whether it requires two-factor authentication (and
//! from when: the end of the grace period), how long its sessions may sit idle and last,
//! and whether its people may skip the second step on a remembered device. Plus the
//! reminders sent to members who still need to set up 2FA, one per member and policy.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
    TwoFactorRequiredFrom,
    TwoFactorGraceDays,
    IdleTimeoutMinutes,
    MaxSessionHours,
    AllowRememberedDevices,
}

/// Each session carries its company's limits, copied when it starts, moves to another
/// company, or the company's policy changes: checking a session then needs no other row.
#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdleTimeoutMinutes,
    MaxSessionHours,
}

#[derive(DeriveIden)]
enum TwoFactorReminders {
    Table,
    Id,
    CompanyId,
    UserId,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            timestamp_with_time_zone_null(Companies::TwoFactorRequiredFrom),
            integer(Companies::TwoFactorGraceDays).default(0).to_owned(),
            integer_null(Companies::IdleTimeoutMinutes),
            integer_null(Companies::MaxSessionHours),
            boolean(Companies::AllowRememberedDevices).default(true).to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(Table::alter().table(Companies::Table).add_column(column).to_owned())
                .await?;
        }
        for column in [Sessions::IdleTimeoutMinutes, Sessions::MaxSessionHours] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .add_column(integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TwoFactorReminders::Table)
                    .col(pk_auto(TwoFactorReminders::Id))
                    .col(integer(TwoFactorReminders::CompanyId))
                    .col(integer(TwoFactorReminders::UserId))
                    .col(timestamp_with_time_zone(TwoFactorReminders::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TwoFactorReminders::Table, TwoFactorReminders::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim that makes one reminder per member, whichever instance sends it.
        manager
            .create_index(
                Index::create()
                    .name("two_factor_reminders_once")
                    .table(TwoFactorReminders::Table)
                    .col(TwoFactorReminders::CompanyId)
                    .col(TwoFactorReminders::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TwoFactorReminders::Table).to_owned()).await?;
        for column in [Sessions::IdleTimeoutMinutes, Sessions::MaxSessionHours] {
            manager
                .alter_table(Table::alter().table(Sessions::Table).drop_column(column).to_owned())
                .await?;
        }
        for column in [
            Companies::TwoFactorRequiredFrom,
            Companies::TwoFactorGraceDays,
            Companies::IdleTimeoutMinutes,
            Companies::MaxSessionHours,
            Companies::AllowRememberedDevices,
        ] {
            manager
                .alter_table(Table::alter().table(Companies::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
