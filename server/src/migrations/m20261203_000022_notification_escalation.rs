//! Notifications that must not be missed, and deliveries that must not wait:
//! - a company can require acknowledgement of "Negative sentiment" and "Missed call": each
//!   such event opens an alert, escalated (sent again, then to the Admins or a chosen
//!   colleague) while nobody opens it;
//! - a delivery can skip the digest and quiet hours (a test the person is waiting for, an
//!   escalation), and a person can allow urgent alerts during quiet hours.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
    AcknowledgeNegativeSentiment,
    AcknowledgeMissedCall,
    EscalationMinutes,
    EscalationContactId,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    AlertId,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    SkipDigest,
    SkipQuietHours,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UrgentDuringQuietHours,
}

#[derive(DeriveIden)]
enum NotificationAlerts {
    Table,
    Id,
    CompanyId,
    CaseId,
    Event,
    Stage,
    DueAt,
    AcknowledgedBy,
    AcknowledgedAt,
    CreatedAt,
}

async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    // SQLite adds one column per ALTER TABLE.
    for mut column in columns {
        manager
            .alter_table(Table::alter().table(table.clone()).add_column(&mut column).to_owned())
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Companies::Table,
            vec![
                boolean(Companies::AcknowledgeNegativeSentiment).default(false).to_owned(),
                boolean(Companies::AcknowledgeMissedCall).default(false).to_owned(),
                integer(Companies::EscalationMinutes).default(30).to_owned(),
                integer_null(Companies::EscalationContactId),
            ],
        )
        .await?;
        add_columns(
            manager,
            NotificationDeliveries::Table,
            vec![
                boolean(NotificationDeliveries::SkipDigest).default(false).to_owned(),
                boolean(NotificationDeliveries::SkipQuietHours).default(false).to_owned(),
            ],
        )
        .await?;
        add_columns(
            manager,
            NotificationSettings::Table,
            vec![boolean(NotificationSettings::UrgentDuringQuietHours).default(false).to_owned()],
        )
        .await?;
        add_columns(manager, Notifications::Table, vec![integer_null(Notifications::AlertId)])
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationAlerts::Table)
                    .col(pk_auto(NotificationAlerts::Id))
                    .col(integer(NotificationAlerts::CompanyId))
                    .col(integer(NotificationAlerts::CaseId))
                    .col(string(NotificationAlerts::Event))
                    .col(integer(NotificationAlerts::Stage))
                    .col(timestamp_with_time_zone(NotificationAlerts::DueAt))
                    .col(integer_null(NotificationAlerts::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(NotificationAlerts::AcknowledgedAt))
                    .col(timestamp_with_time_zone(NotificationAlerts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationAlerts::Table, NotificationAlerts::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NotificationAlerts::Table, NotificationAlerts::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The escalation pass looks for open alerts that are due.
        manager
            .create_index(
                Index::create()
                    .name("notification_alerts_open_due")
                    .table(NotificationAlerts::Table)
                    .col(NotificationAlerts::AcknowledgedAt)
                    .col(NotificationAlerts::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(NotificationAlerts::Table).to_owned()).await?;
        let drops: [(DynIden, Vec<DynIden>); 4] = [
            (Notifications::Table.into_iden(), vec![Notifications::AlertId.into_iden()]),
            (
                NotificationSettings::Table.into_iden(),
                vec![NotificationSettings::UrgentDuringQuietHours.into_iden()],
            ),
            (
                NotificationDeliveries::Table.into_iden(),
                vec![
                    NotificationDeliveries::SkipDigest.into_iden(),
                    NotificationDeliveries::SkipQuietHours.into_iden(),
                ],
            ),
            (
                Companies::Table.into_iden(),
                vec![
                    Companies::AcknowledgeNegativeSentiment.into_iden(),
                    Companies::AcknowledgeMissedCall.into_iden(),
                    Companies::EscalationMinutes.into_iden(),
                    Companies::EscalationContactId.into_iden(),
                ],
            ),
        ];
        for (table, columns) in drops {
            for column in columns {
                manager
                    .alter_table(Table::alter().table(table.clone()).drop_column(column).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}
