//! A clear two-character lookup part beside each backup code's hash, so checking a code
//! runs argon2 once instead of once per unused code.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BackupCodes {
    Table,
    Lookup,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BackupCodes::Table)
                    .add_column(ColumnDef::new(BackupCodes::Lookup).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BackupCodes::Table)
                    .drop_column(BackupCodes::Lookup)
                    .to_owned(),
            )
            .await
    }
}
