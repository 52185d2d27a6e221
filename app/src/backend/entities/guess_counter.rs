//! The `guess_counters` table: the guessing limits' counts, shared by every instance.

use sea_orm::entity::prelude::*;

/// One limiter key's state (see `backend::throttle`). Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guess_counters")]
pub struct Model {
    /// `<limiter>:<kind>:<digest>`, never what the digest was made from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i32,
    /// Attempts reserved and not yet resolved.
    pub in_flight: i32,
    /// The last reservation: in-flight attempts older than the reservation timeout belong
    /// to an instance that stopped, and no longer count.
    pub reserved_at_ms: i64,
    pub last_activity_ms: i64,
    pub locked_until_ms: Option<i64>,
    /// The owner was told of this lock-out episode.
    pub reported: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
