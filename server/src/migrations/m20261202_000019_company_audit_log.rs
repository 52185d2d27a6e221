//! The company's audit log: what happened in a firm and to its members, for its Admins.
//! Its own table, so a firm's entries are never mixed into another firm's view, and an
//! entry outlives the membership of the person it names (a removed member's sign-ins stay
//! in the log of the firm they were in). Security events of a person also gain a detail,
//! for entries an Admin caused ("by Jane Admin, Smith & Co").

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    CompanyId,
    ActorId,
    SubjectId,
    Kind,
    Detail,
    UserAgent,
    ClientAddress,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(pk_auto(AuditEntries::Id))
                    .col(integer(AuditEntries::CompanyId))
                    // No foreign keys to users: the log keeps naming people who left.
                    .col(integer_null(AuditEntries::ActorId))
                    .col(integer_null(AuditEntries::SubjectId))
                    .col(string(AuditEntries::Kind))
                    .col(string(AuditEntries::Detail))
                    .col(string(AuditEntries::UserAgent))
                    .col(string(AuditEntries::ClientAddress))
                    .col(timestamp_with_time_zone(AuditEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEntries::Table, AuditEntries::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The log is read newest first, one company at a time.
        manager
            .create_index(
                Index::create()
                    .name("audit_entries_company")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::CompanyId)
                    .col(AuditEntries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SecurityEvents::Table)
                    .add_column(string_null(SecurityEvents::Detail))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SecurityEvents::Table)
                    .drop_column(SecurityEvents::Detail)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(AuditEntries::Table).to_owned()).await
    }
}
