//! The `audit_entries` table: a company's audit log.

use sea_orm::entity::prelude::*;

/// Something that happened in a company or to one of its members, for its Admins.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    /// Who did it (none for a failed sign-in with no account behind it).
    pub actor_id: Option<i32>,
    /// The member it was done to, when not the actor.
    pub subject_id: Option<i32>,
    /// A `SecurityEventKind` name.
    pub kind: String,
    /// What else the entry needs: a token's name, a new role, a policy's new values.
    pub detail: String,
    pub user_agent: String,
    pub client_address: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
