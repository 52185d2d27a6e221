//! The `pending_sign_ins` table: sign-ins waiting for their second factor.

use sea_orm::entity::prelude::*;

/// A sign-in whose password was right, waiting for its second factor. Its token lives in
/// its own short-lived cookie and is not a session: nothing but the second step accepts it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_sign_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Hex SHA-256 of the cookie token.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i32,
    pub user_agent: String,
    pub client_address: String,
    /// Where to go once signed in (already checked to be a local path).
    pub next_path: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
