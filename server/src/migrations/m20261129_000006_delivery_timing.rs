//! Reliable email delivery: a claim timestamp on each delivery (a worker that dies after
//! claiming one gives it back when its lease runs out), and the person's quiet hours and
//! email digest.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    ClaimedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    QuietStartMinutes,
    QuietEndMinutes,
    EmailDigest,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .add_column(
                        ColumnDef::new(NotificationDeliveries::ClaimedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationSettings::Table)
                    .add_column(
                        ColumnDef::new(NotificationSettings::QuietStartMinutes).integer().null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationSettings::Table)
                    .add_column(
                        ColumnDef::new(NotificationSettings::QuietEndMinutes).integer().null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationSettings::Table)
                    .add_column(
                        ColumnDef::new(NotificationSettings::EmailDigest)
                            .string()
                            .not_null()
                            .default("off"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            NotificationSettings::QuietStartMinutes,
            NotificationSettings::QuietEndMinutes,
            NotificationSettings::EmailDigest,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(NotificationSettings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .drop_column(NotificationDeliveries::ClaimedAt)
                    .to_owned(),
            )
            .await
    }
}
