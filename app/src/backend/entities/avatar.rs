//! The `avatars` table: each user's re-encoded profile photo.

use sea_orm::entity::prelude::*;

/// A user's re-encoded profile photo (256×256 JPEG). Kept in the database so a second
/// server instance on PostgreSQL serves it too.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "avatars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// Hex SHA-256 of `bytes`.
    pub hash: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
