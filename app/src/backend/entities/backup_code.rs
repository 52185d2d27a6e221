//! The `backup_codes` table: single-use 2FA backup codes, hashed.

use sea_orm::entity::prelude::*;

/// One single-use backup code, stored as an argon2id hash and a short lookup part.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backup_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub code_hash: String,
    /// The code's first characters in clear (`backup_codes::LOOKUP_CHARS`), to pick the
    /// one hash to check; none for codes made before it existed.
    pub lookup: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
