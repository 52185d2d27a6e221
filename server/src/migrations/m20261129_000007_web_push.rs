//! Web Push: the server's VAPID key pair (RFC 8292), made once on first start; each
//! device's push subscription, living as long as the session that made it; and a receipt
//! per delivery and device, so a retry never pushes twice to a device that already took it.

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
enum Sessions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VapidKeys {
    Table,
    Id,
    PrivateKey,
    PublicKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushSubscriptions {
    Table,
    Id,
    UserId,
    SessionId,
    Endpoint,
    P256dh,
    Auth,
    DeviceName,
    CreatedAt,
    LastSuccessAt,
}

#[derive(DeriveIden)]
enum PushReceipts {
    Table,
    Id,
    DeliveryId,
    SubscriptionId,
    CreatedAt,
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
        // One row, id 1: two servers starting at once both try to insert it and one wins.
        manager
            .create_table(
                Table::create()
                    .table(VapidKeys::Table)
                    .col(integer(VapidKeys::Id).primary_key())
                    .col(string(VapidKeys::PrivateKey))
                    .col(string(VapidKeys::PublicKey))
                    .col(timestamp_with_time_zone(VapidKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PushSubscriptions::Table)
                    .col(pk_auto(PushSubscriptions::Id))
                    .col(integer(PushSubscriptions::UserId))
                    .col(integer(PushSubscriptions::SessionId))
                    .col(string_uniq(PushSubscriptions::Endpoint))
                    .col(string(PushSubscriptions::P256dh))
                    .col(string(PushSubscriptions::Auth))
                    .col(string(PushSubscriptions::DeviceName))
                    .col(timestamp_with_time_zone(PushSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(PushSubscriptions::LastSuccessAt))
                    .foreign_key(&mut cascade(
                        (PushSubscriptions::Table, PushSubscriptions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    // Signing out (or being signed out) of a device stops its pushes: case
                    // details must not keep arriving on a computer nobody is signed in to.
                    .foreign_key(&mut cascade(
                        (PushSubscriptions::Table, PushSubscriptions::SessionId),
                        (Sessions::Table, Sessions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("push_subscriptions_user")
                    .table(PushSubscriptions::Table)
                    .col(PushSubscriptions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PushReceipts::Table)
                    .col(pk_auto(PushReceipts::Id))
                    .col(integer(PushReceipts::DeliveryId))
                    .col(integer(PushReceipts::SubscriptionId))
                    .col(timestamp_with_time_zone(PushReceipts::CreatedAt))
                    .foreign_key(&mut cascade(
                        (PushReceipts::Table, PushReceipts::DeliveryId),
                        (NotificationDeliveries::Table, NotificationDeliveries::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (PushReceipts::Table, PushReceipts::SubscriptionId),
                        (PushSubscriptions::Table, PushSubscriptions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("push_receipts_once")
                    .table(PushReceipts::Table)
                    .col(PushReceipts::DeliveryId)
                    .col(PushReceipts::SubscriptionId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PushReceipts::Table.into_iden(),
            PushSubscriptions::Table.into_iden(),
            VapidKeys::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
