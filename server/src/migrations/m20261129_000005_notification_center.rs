//! The notification center: notifications with their pending email/push deliveries, the
//! record of task deadlines already announced, client messages and calls reported through
//! the API, and the companies' API tokens.

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
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    CompanyId,
    UserId,
    Event,
    CaseId,
    TaskId,
    Title,
    Body,
    InApp,
    ReadAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    NotificationId,
    Method,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskDueNotices {
    Table,
    Id,
    TaskId,
    DueAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClientCommunications {
    Table,
    Id,
    CompanyId,
    CaseId,
    Kind,
    Sender,
    Text,
    CallStatus,
    DurationSeconds,
    Sentiment,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    CompanyId,
    Name,
    TokenPrefix,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_auto(Notifications::Id))
                    .col(integer(Notifications::CompanyId))
                    .col(integer(Notifications::UserId))
                    .col(string(Notifications::Event))
                    .col(integer(Notifications::CaseId))
                    .col(integer_null(Notifications::TaskId))
                    .col(string(Notifications::Title))
                    .col(text(Notifications::Body))
                    .col(boolean(Notifications::InApp))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Notifications::Table, Notifications::CompanyId),
                        (Companies::Table, Companies::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Notifications::Table, Notifications::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Notifications::Table, Notifications::CaseId),
                        (Cases::Table, Cases::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_recipient")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::CompanyId)
                    .col(Notifications::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Email and push wait here until the delivery worker (next issue) sends them. One row
        // per notification and method: a delivery can never be queued twice.
        manager
            .create_table(
                Table::create()
                    .table(NotificationDeliveries::Table)
                    .col(pk_auto(NotificationDeliveries::Id))
                    .col(integer(NotificationDeliveries::NotificationId))
                    .col(string(NotificationDeliveries::Method))
                    .col(string(NotificationDeliveries::Status))
                    .col(integer(NotificationDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(NotificationDeliveries::NextAttemptAt))
                    .col(text_null(NotificationDeliveries::LastError))
                    .col(timestamp_with_time_zone_null(NotificationDeliveries::SentAt))
                    .col(timestamp_with_time_zone(NotificationDeliveries::CreatedAt))
                    .foreign_key(&mut cascade(
                        (NotificationDeliveries::Table, NotificationDeliveries::NotificationId),
                        (Notifications::Table, Notifications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_deliveries_once")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::NotificationId)
                    .col(NotificationDeliveries::Method)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskDueNotices::Table)
                    .col(pk_auto(TaskDueNotices::Id))
                    .col(integer(TaskDueNotices::TaskId))
                    .col(timestamp_with_time_zone(TaskDueNotices::DueAt))
                    .col(timestamp_with_time_zone(TaskDueNotices::CreatedAt))
                    .foreign_key(&mut cascade(
                        (TaskDueNotices::Table, TaskDueNotices::TaskId),
                        (Tasks::Table, Tasks::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("task_due_notices_once")
                    .table(TaskDueNotices::Table)
                    .col(TaskDueNotices::TaskId)
                    .col(TaskDueNotices::DueAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientCommunications::Table)
                    .col(pk_auto(ClientCommunications::Id))
                    .col(integer(ClientCommunications::CompanyId))
                    .col(integer(ClientCommunications::CaseId))
                    .col(string(ClientCommunications::Kind))
                    .col(string(ClientCommunications::Sender))
                    .col(text_null(ClientCommunications::Text))
                    .col(string_null(ClientCommunications::CallStatus))
                    .col(integer_null(ClientCommunications::DurationSeconds))
                    .col(double_null(ClientCommunications::Sentiment))
                    .col(timestamp_with_time_zone(ClientCommunications::ReceivedAt))
                    .foreign_key(&mut cascade(
                        (ClientCommunications::Table, ClientCommunications::CompanyId),
                        (Companies::Table, Companies::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ClientCommunications::Table, ClientCommunications::CaseId),
                        (Cases::Table, Cases::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::CompanyId))
                    .col(string(ApiTokens::Name))
                    .col(string(ApiTokens::TokenPrefix))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(integer(ApiTokens::CreatedBy))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut cascade(
                        (ApiTokens::Table, ApiTokens::CompanyId),
                        (Companies::Table, Companies::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiTokens::Table.into_iden(),
            ClientCommunications::Table.into_iden(),
            TaskDueNotices::Table.into_iden(),
            NotificationDeliveries::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
