//! The `notification_filters` table: which case events reach a person at all.

use sea_orm::entity::prelude::*;

/// A person's notification filters, by default (company 0) or for one company. A row for
/// a company is what makes that company's settings its own ("Customize for …"); without
/// it the person's defaults apply there. No default row: the filters' defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_filters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub company_id: i32,
    /// A JSON array of case type names; empty: every type.
    #[sea_orm(column_type = "Text")]
    pub case_types: String,
    pub only_assigned_to_me: bool,
    pub high_and_urgent_only: bool,
    pub always_negative_sentiment: bool,
    /// A `Messenger` key.
    pub messenger: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
