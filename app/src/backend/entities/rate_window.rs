//! The `rate_windows` table: requests counted per key and fixed window, for every instance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_windows")]
pub struct Model {
    /// `<limit>:<digest>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Unix milliseconds.
    pub window_start_ms: i64,
    pub count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
