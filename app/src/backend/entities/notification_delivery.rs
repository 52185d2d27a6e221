//! The `notification_deliveries` table: the email and push outbox.

use sea_orm::entity::prelude::*;

/// An email or push delivery of a notification, recorded in the same transaction as the
/// notification and sent by the delivery worker. One per notification and method.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notification_id: i32,
    /// `email` or `push`.
    pub method: String,
    /// `pending` until a worker sends it.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When a worker claimed it (status `sending`); a claim older than the lease is void.
    pub claimed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Names the pass that holds the claim: only it may renew or finish the claim, so a
    /// worker whose lease ran out cannot overwrite what the next holder did.
    pub claim_token: Option<String>,
    /// Sent on its own even when the person takes a digest (a test, an escalation).
    pub skip_digest: bool,
    /// Sent during the person's quiet hours too (a test; an escalation when they allow it).
    pub skip_quiet_hours: bool,
}

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";
/// Nothing to send it to: a push for someone with no push device.
pub const STATUS_SKIPPED: &str = "skipped";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
