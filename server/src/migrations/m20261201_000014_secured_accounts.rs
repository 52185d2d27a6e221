//! "Secure my account" / "This wasn't me": an account that was secured must choose a new
//! password (with an emailed link) before it signs in again. One row per such account,
//! deleted by the reset.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SecuredAccounts {
    Table,
    UserId,
    SecuredAt,
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
                    .table(SecuredAccounts::Table)
                    .col(integer(SecuredAccounts::UserId).primary_key())
                    .col(timestamp_with_time_zone(SecuredAccounts::SecuredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SecuredAccounts::Table, SecuredAccounts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SecuredAccounts::Table).to_owned()).await
    }
}
