//! What several instances on one database must share: guessing-limit counters and
//! request windows (kept in each process's memory until now, so N instances gave N
//! allowances and a restart reset them), live events announced to every instance, and a
//! token naming the worker that holds an outbox claim.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GuessCounters {
    Table,
    Key,
    Failures,
    InFlight,
    ReservedAtMs,
    LastActivityMs,
    LockedUntilMs,
    Reported,
}

#[derive(DeriveIden)]
enum RateWindows {
    Table,
    Key,
    WindowStartMs,
    Count,
}

#[derive(DeriveIden)]
enum LiveEvents {
    Table,
    Id,
    Kind,
    Subjects,
    CreatedAtMs,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    ClaimToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Times are milliseconds since 1970 in a plain integer: compared in SQL the same
        // way on SQLite and PostgreSQL.
        manager
            .create_table(
                Table::create()
                    .table(GuessCounters::Table)
                    .col(ColumnDef::new(GuessCounters::Key).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(GuessCounters::Failures).integer().not_null())
                    .col(ColumnDef::new(GuessCounters::InFlight).integer().not_null())
                    .col(ColumnDef::new(GuessCounters::ReservedAtMs).big_integer().not_null())
                    .col(ColumnDef::new(GuessCounters::LastActivityMs).big_integer().not_null())
                    .col(ColumnDef::new(GuessCounters::LockedUntilMs).big_integer().null())
                    .col(ColumnDef::new(GuessCounters::Reported).boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("guess_counters_by_activity")
                    .table(GuessCounters::Table)
                    .col(GuessCounters::LastActivityMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateWindows::Table)
                    .col(ColumnDef::new(RateWindows::Key).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(RateWindows::WindowStartMs).big_integer().not_null())
                    .col(ColumnDef::new(RateWindows::Count).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveEvents::Table)
                    .col(
                        ColumnDef::new(LiveEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LiveEvents::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(LiveEvents::Subjects).text().not_null())
                    .col(ColumnDef::new(LiveEvents::CreatedAtMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .add_column(
                        ColumnDef::new(NotificationDeliveries::ClaimToken).string_len(64).null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .drop_column(NotificationDeliveries::ClaimToken)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(LiveEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RateWindows::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(GuessCounters::Table).to_owned()).await
    }
}
