//! The `api_tokens` table: a company's tokens for the integrations API.

use sea_orm::entity::prelude::*;

/// A company's token for the integrations API. Only its SHA-256 is stored; the prefix
/// lets an Admin tell tokens apart.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    pub name: String,
    /// The first characters of the token, e.g. `kayse_3f9a1c`.
    pub token_prefix: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_by: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
