//! The `cases` table: a company's legal matters.

use sea_orm::entity::prelude::*;

/// A legal matter of one company. Always read through the company scope.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    /// The firm's own reference, e.g. `HL-2026-014`; unique within the company.
    pub number: String,
    pub name: String,
    pub case_type: String,
    pub status: String,
    pub assignee_id: Option<i32>,
    /// A `Priority` key: `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
