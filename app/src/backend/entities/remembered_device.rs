//! The `remembered_devices` table: browsers that skip the second factor until `expires_at`.

use sea_orm::entity::prelude::*;

/// A browser remembered at the second step of signing in, for one account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remembered_devices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// Hex SHA-256 of the cookie's token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The browser's user agent when it was remembered (the list names it from this).
    pub user_agent: String,
    /// Where it was remembered from.
    pub client_address: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// Thirty days after `created_at`: using it does not extend it.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
