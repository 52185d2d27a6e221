//! The `notification_preferences` table: how each event reaches each person.

use sea_orm::entity::prelude::*;

/// How one event reaches one person, by default (company 0) or in one company that has its
/// own settings. No row: the event's defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// 0 for the person's defaults, else the company whose own copy this is.
    pub company_id: i32,
    /// An `Event` key, e.g. `case_assigned`.
    pub event: String,
    pub in_app: bool,
    pub email: bool,
    pub push: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
