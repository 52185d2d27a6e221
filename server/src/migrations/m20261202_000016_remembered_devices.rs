//! Remembered devices: a browser that passed the second factor with "Remember this device
//! for 30 days" ticked skips it until then. The cookie's token is stored hashed, bound to
//! one account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RememberedDevices {
    Table,
    Id,
    UserId,
    TokenHash,
    UserAgent,
    ClientAddress,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RememberedDevices::Table)
                    .col(pk_auto(RememberedDevices::Id))
                    .col(integer(RememberedDevices::UserId))
                    .col(string_uniq(RememberedDevices::TokenHash))
                    .col(string(RememberedDevices::UserAgent))
                    .col(string(RememberedDevices::ClientAddress))
                    .col(timestamp_with_time_zone(RememberedDevices::CreatedAt))
                    .col(timestamp_with_time_zone(RememberedDevices::LastUsedAt))
                    .col(timestamp_with_time_zone(RememberedDevices::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RememberedDevices::Table, RememberedDevices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("remembered_devices_user")
                    .table(RememberedDevices::Table)
                    .col(RememberedDevices::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RememberedDevices::Table).to_owned()).await
    }
}
