//! The `push_receipts` table: which device took which push delivery.

use sea_orm::entity::prelude::*;

/// A push service accepted this delivery for this device: a retry of the delivery (for
/// another device that failed) skips it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_receipts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub delivery_id: i32,
    pub subscription_id: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
