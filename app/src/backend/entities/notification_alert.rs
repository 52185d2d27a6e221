//! The `notification_alerts` table: events a company wants acknowledged.

use sea_orm::entity::prelude::*;

/// A "Negative sentiment" or "Missed call" in a company that requires acknowledgement.
/// Escalated step by step while nobody opens one of its notifications.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    pub case_id: i32,
    /// An `Event` key.
    pub event: String,
    /// 0: waiting for the people on the case; 1: sent to them again by email and push;
    /// 2: sent to the Admins or the chosen colleague (the last step).
    pub stage: i32,
    /// When the next step is due.
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub acknowledged_by: Option<i32>,
    pub acknowledged_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
