//! The Security tab: authenticator-app credentials, backup codes, half-finished two-step
//! sign-ins and the security activity log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TotpCredentials {
    Table,
    UserId,
    Secret,
    CreatedAt,
    ConfirmedAt,
    LastUsedStep,
}

#[derive(DeriveIden)]
enum BackupCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PendingSignIns {
    Table,
    Id,
    TokenHash,
    UserId,
    UserAgent,
    ClientAddress,
    NextPath,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Id,
    UserId,
    Kind,
    UserAgent,
    ClientAddress,
    CreatedAt,
}

fn user_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per user: unconfirmed while being set up, the second factor once confirmed.
        manager
            .create_table(
                Table::create()
                    .table(TotpCredentials::Table)
                    .col(integer(TotpCredentials::UserId).primary_key().take())
                    .col(string(TotpCredentials::Secret))
                    .col(timestamp_with_time_zone(TotpCredentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(TotpCredentials::ConfirmedAt))
                    .col(big_integer_null(TotpCredentials::LastUsedStep))
                    .foreign_key(&mut user_fk(TotpCredentials::Table, TotpCredentials::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BackupCodes::Table)
                    .col(pk_auto(BackupCodes::Id))
                    .col(integer(BackupCodes::UserId))
                    .col(string(BackupCodes::CodeHash))
                    .col(timestamp_with_time_zone(BackupCodes::CreatedAt))
                    .col(timestamp_with_time_zone_null(BackupCodes::UsedAt))
                    .foreign_key(&mut user_fk(BackupCodes::Table, BackupCodes::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("backup_codes_user")
                    .table(BackupCodes::Table)
                    .col(BackupCodes::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PendingSignIns::Table)
                    .col(pk_auto(PendingSignIns::Id))
                    .col(string_uniq(PendingSignIns::TokenHash))
                    .col(integer(PendingSignIns::UserId))
                    .col(string(PendingSignIns::UserAgent))
                    .col(string(PendingSignIns::ClientAddress))
                    .col(string(PendingSignIns::NextPath))
                    .col(timestamp_with_time_zone(PendingSignIns::CreatedAt))
                    .col(timestamp_with_time_zone(PendingSignIns::ExpiresAt))
                    .foreign_key(&mut user_fk(PendingSignIns::Table, PendingSignIns::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SecurityEvents::Table)
                    .col(pk_auto(SecurityEvents::Id))
                    .col(integer(SecurityEvents::UserId))
                    .col(string(SecurityEvents::Kind))
                    .col(string(SecurityEvents::UserAgent))
                    .col(string(SecurityEvents::ClientAddress))
                    .col(timestamp_with_time_zone(SecurityEvents::CreatedAt))
                    .foreign_key(&mut user_fk(SecurityEvents::Table, SecurityEvents::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("security_events_user_time")
                    .table(SecurityEvents::Table)
                    .col(SecurityEvents::UserId)
                    .col(SecurityEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SecurityEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PendingSignIns::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(BackupCodes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TotpCredentials::Table).to_owned()).await
    }
}
