//! The `vapid_keys` table: the server's one Web Push key pair.

use sea_orm::entity::prelude::*;

/// The server's VAPID key pair (RFC 8292), one row with id 1, made on first start. Push
/// services tie each subscription to the public key, so it never changes afterwards.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vapid_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The P-256 private scalar, 32 bytes, base64url without padding.
    pub private_key: String,
    /// The uncompressed public point, 65 bytes, base64url without padding.
    pub public_key: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
