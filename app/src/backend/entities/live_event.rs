//! The `live_events` table: events for open pages, announced to every instance.

use sea_orm::entity::prelude::*;

/// On PostgreSQL an event is written here and its id alone goes out by `NOTIFY`, so the
/// notification channel never carries anything about a person; each instance reads the
/// row and tells its own open pages. Kept an hour, then deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `sessions-ended` or `notifications-changed`.
    pub kind: String,
    /// The session ids or the user id it concerns, comma-separated.
    #[sea_orm(column_type = "Text")]
    pub subjects: String,
    pub created_at_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
