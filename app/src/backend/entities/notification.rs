//! The `notifications` table: one event for one person in one company.

use sea_orm::entity::prelude::*;

/// One event for one person in one company. Shown in the bell when `in_app`; its email and
/// push deliveries, if the person wants them, wait in `notification_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    /// The recipient.
    pub user_id: i32,
    /// An `Event` key, e.g. `case_assigned`.
    pub event: String,
    pub case_id: i32,
    pub task_id: Option<i32>,
    /// What happened, in a line.
    pub title: String,
    /// The details (a quoted message, a deadline).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub in_app: bool,
    /// The alert this notification belongs to, when its company wants it acknowledged:
    /// opening it acknowledges the alert.
    pub alert_id: Option<i32>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
