//! The `users` table: staff accounts, the same in every company.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The login email, stored lower-case so uniqueness ignores case.
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub full_name: String,
    /// E.164, e.g. `+14155550134`.
    pub phone: Option<String>,
    /// IANA name, e.g. `America/New_York`.
    pub timezone: String,
    /// SHA-256 of the current avatar's bytes; also the avatar's URL.
    pub avatar_hash: Option<String>,
    /// The company the user last worked in, restored at the next sign-in.
    pub last_company_id: Option<i32>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
