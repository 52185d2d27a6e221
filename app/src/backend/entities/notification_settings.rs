//! The `notification_settings` table: lead time, quiet hours and digest per person.

use sea_orm::entity::prelude::*;

/// A person's notification settings beyond the matrix. No row: the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// How long before a task's deadline "Task due" fires.
    pub task_due_lead_minutes: i32,
    /// Quiet hours, as minutes after local midnight (both set, or neither): email and push
    /// wait from start until end, which may be on the next day.
    pub quiet_start_minutes: Option<i32>,
    pub quiet_end_minutes: Option<i32>,
    /// `off`, `hourly`, `daily` or `weekly`.
    pub email_digest: String,
    /// "Urgent alerts during quiet hours": escalations are not held.
    pub urgent_during_quiet_hours: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
