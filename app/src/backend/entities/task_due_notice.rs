//! The `task_due_notices` table: task deadlines already announced.

use sea_orm::entity::prelude::*;

/// A task deadline already announced. Unique per task and deadline: the scheduler notifies
/// once, survives restarts, and a moved deadline is a new row (and a new notice).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_due_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub task_id: i32,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
