//! "This wasn't me" on the notice of a completed login-email change, sent to the old
//! address: the link remembers that address, and using it puts the login back there before
//! securing the account, so the new-password link goes to the person, not the intruder.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WasntMeLinks {
    Table,
    RestoreEmail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WasntMeLinks::Table)
                    .add_column(string_null(WasntMeLinks::RestoreEmail))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WasntMeLinks::Table)
                    .drop_column(WasntMeLinks::RestoreEmail)
                    .to_owned(),
            )
            .await
    }
}
