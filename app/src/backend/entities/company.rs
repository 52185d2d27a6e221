//! The `companies` table: the law firms, each with its security policy.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When set, the company requires two-factor authentication from this moment (the
    /// end of the grace period); members without it are kept out of its data after.
    pub two_factor_required_from: Option<chrono::DateTime<chrono::Utc>>,
    /// The grace period last chosen, 0 to 30 days.
    pub two_factor_grace_days: i32,
    /// Sessions working in the company end after this long without a request (the
    /// server's own limit still applies when shorter).
    pub idle_timeout_minutes: Option<i32>,
    /// Sessions working in the company end this long after signing in, at most.
    pub max_session_hours: Option<i32>,
    /// Whether its people may skip the second step on a remembered device.
    pub allow_remembered_devices: bool,
    /// "Negative sentiment" must be acknowledged (opened) by someone on the case.
    pub acknowledge_negative_sentiment: bool,
    /// "Missed call" must be acknowledged likewise.
    pub acknowledge_missed_call: bool,
    /// How long an unacknowledged alert waits before each escalation step (5–240).
    pub escalation_minutes: i32,
    /// Who hears of an alert nobody on the case opened; `None`: the company's Admins.
    pub escalation_contact_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
