//! The `secured_accounts` table: accounts that must choose a new password before signing in.

use sea_orm::entity::prelude::*;

/// An account secured with "Secure my account" or "This wasn't me": every session was
/// ended, and signing in waits for a new password, set with an emailed link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "secured_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    pub secured_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
