//! The `push_subscriptions` table: each device's Web Push subscription.

use sea_orm::entity::prelude::*;

/// One device's Web Push subscription. It belongs to the session that made it and ends
/// with it (foreign key, on delete cascade).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub session_id: i32,
    /// The push service's URL for this device; an https URL given by the browser.
    #[sea_orm(unique)]
    pub endpoint: String,
    /// The device's P-256 public key (65 bytes, base64url), for RFC 8291 encryption.
    pub p256dh: String,
    /// The device's 16-byte authentication secret, base64url.
    pub auth: String,
    /// "Chrome 131 on Linux".
    pub device_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
