//! The `known_devices` table: where each user has signed in from before.

use sea_orm::entity::prelude::*;

/// A browser + operating system + address combination a user has signed in from. A sign-in
/// from a combination not listed here sends a notice to the account email.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "known_devices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// Hex SHA-256 of browser, operating system and address.
    pub fingerprint: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
