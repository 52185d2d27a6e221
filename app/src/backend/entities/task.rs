//! The `tasks` table: deadlines on cases.

use sea_orm::entity::prelude::*;

/// A deadline on a case, assigned to one member of the case's company.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    pub case_id: i32,
    pub title: String,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub assignee_id: Option<i32>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
