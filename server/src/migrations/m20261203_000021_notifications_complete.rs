//! Notifications, complete: a priority on every case; documents, forms and campaign updates
//! reported on a case (their name, and a campaign update's outcome); preferences kept per company
//! (company 0 holds a person's defaults, used in every firm that has no copy of its own);
//! the filters that decide which case events reach a person; and the server's secret that
//! signs one-click unsubscribe links.
//!
//! Company 0 rather than NULL: a unique index treats NULLs as distinct on SQLite (and on
//! PostgreSQL before 15), so "one default row per person and event" could not be enforced,
//! and the upserts need that index as their conflict target.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Priority,
}

#[derive(DeriveIden)]
enum ClientCommunications {
    Table,
    Subject,
    Outcome,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    CompanyId,
    Event,
}

#[derive(DeriveIden)]
enum NotificationFilters {
    Table,
    Id,
    UserId,
    CompanyId,
    CaseTypes,
    OnlyAssignedToMe,
    HighAndUrgentOnly,
    AlwaysNegativeSentiment,
    Messenger,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Secret,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(string(Cases::Priority).default("normal").to_owned())
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        for column in [ClientCommunications::Subject, ClientCommunications::Outcome] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ClientCommunications::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationPreferences::Table)
                    .add_column(integer(NotificationPreferences::CompanyId).default(0).to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("notification_preferences_user_event")
                    .table(NotificationPreferences::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_preferences_user_company_event")
                    .table(NotificationPreferences::Table)
                    .col(NotificationPreferences::UserId)
                    .col(NotificationPreferences::CompanyId)
                    .col(NotificationPreferences::Event)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationFilters::Table)
                    .col(pk_auto(NotificationFilters::Id))
                    .col(integer(NotificationFilters::UserId))
                    .col(integer(NotificationFilters::CompanyId).default(0))
                    // A JSON array of case type names; empty means every type.
                    .col(text(NotificationFilters::CaseTypes))
                    .col(boolean(NotificationFilters::OnlyAssignedToMe))
                    .col(boolean(NotificationFilters::HighAndUrgentOnly))
                    .col(boolean(NotificationFilters::AlwaysNegativeSentiment))
                    .col(string(NotificationFilters::Messenger))
                    .col(timestamp_with_time_zone(NotificationFilters::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationFilters::Table, NotificationFilters::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_filters_user_company")
                    .table(NotificationFilters::Table)
                    .col(NotificationFilters::UserId)
                    .col(NotificationFilters::CompanyId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(string(ServerSecrets::Name).primary_key())
                    .col(text(ServerSecrets::Secret))
                    .col(timestamp_with_time_zone(ServerSecrets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ServerSecrets::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(NotificationFilters::Table).to_owned()).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("notification_preferences_user_company_event")
                    .table(NotificationPreferences::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_preferences_user_event")
                    .table(NotificationPreferences::Table)
                    .col(NotificationPreferences::UserId)
                    .col(NotificationPreferences::Event)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationPreferences::Table)
                    .drop_column(NotificationPreferences::CompanyId)
                    .to_owned(),
            )
            .await?;
        for column in [ClientCommunications::Subject, ClientCommunications::Outcome] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ClientCommunications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(Table::alter().table(Cases::Table).drop_column(Cases::Priority).to_owned())
            .await
    }
}
