//! The `security_events` table: the security log of each account.

use sea_orm::entity::prelude::*;

/// Something that happened to an account's security, shown on the Security tab.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "security_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// A `SecurityEventKind` name, e.g. `password_changed`.
    pub kind: String,
    pub user_agent: String,
    pub client_address: String,
    /// Who caused it and where, for an entry an Admin caused: "by Jane Admin, Smith & Co".
    pub detail: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
