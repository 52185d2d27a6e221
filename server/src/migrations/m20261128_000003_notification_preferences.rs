//! Which events reach a person and how. A person with no row for an event gets that event's
//! defaults (see app::notifications::events); a row is written on their first change.

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
enum NotificationPreferences {
    Table,
    Id,
    UserId,
    Event,
    InApp,
    Email,
    Push,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    TaskDueLeadMinutes,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(pk_auto(NotificationPreferences::Id))
                    .col(integer(NotificationPreferences::UserId))
                    .col(string(NotificationPreferences::Event))
                    .col(boolean(NotificationPreferences::InApp))
                    .col(boolean(NotificationPreferences::Email))
                    .col(boolean(NotificationPreferences::Push))
                    .col(timestamp_with_time_zone(NotificationPreferences::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationPreferences::Table, NotificationPreferences::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
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
            .create_table(
                Table::create()
                    .table(NotificationSettings::Table)
                    .col(integer(NotificationSettings::UserId).primary_key().take())
                    .col(integer(NotificationSettings::TaskDueLeadMinutes))
                    .col(timestamp_with_time_zone(NotificationSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationSettings::Table, NotificationSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(NotificationSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(NotificationPreferences::Table).to_owned()).await
    }
}
