//! Safer login-email changes: a second token on each pending change, for the "cancel" link
//! sent to the old address, and a record of each request, so requests can be limited.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailChanges {
    Table,
    CancelTokenHash,
}

#[derive(DeriveIden)]
enum EmailChangeRequests {
    Table,
    Id,
    UserId,
    CreatedAt,
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
            .alter_table(
                Table::alter()
                    .table(EmailChanges::Table)
                    .add_column(ColumnDef::new(EmailChanges::CancelTokenHash).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailChangeRequests::Table)
                    .col(pk_auto(EmailChangeRequests::Id))
                    .col(integer(EmailChangeRequests::UserId))
                    .col(timestamp_with_time_zone(EmailChangeRequests::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailChangeRequests::Table, EmailChangeRequests::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_change_requests_user_time")
                    .table(EmailChangeRequests::Table)
                    .col(EmailChangeRequests::UserId)
                    .col(EmailChangeRequests::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EmailChangeRequests::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailChanges::Table)
                    .drop_column(EmailChanges::CancelTokenHash)
                    .to_owned(),
            )
            .await
    }
}
