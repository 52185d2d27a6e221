//! Device cookies (OWASP's defence against lock-out): a browser that signed in to an
//! account holds a random token whose hash is listed here, and its guesses count on their
//! own, so nobody else's failures can keep the account's owner out of that browser.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeviceCookies {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
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
                    .table(DeviceCookies::Table)
                    .col(pk_auto(DeviceCookies::Id))
                    .col(integer(DeviceCookies::UserId))
                    .col(string(DeviceCookies::TokenHash))
                    .col(timestamp_with_time_zone(DeviceCookies::CreatedAt))
                    .col(timestamp_with_time_zone(DeviceCookies::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceCookies::Table, DeviceCookies::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_cookies_user_token")
                    .table(DeviceCookies::Table)
                    .col(DeviceCookies::UserId)
                    .col(DeviceCookies::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeviceCookies::Table).to_owned()).await
    }
}
