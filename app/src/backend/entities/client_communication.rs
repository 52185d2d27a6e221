//! The `client_communications` table: client messages and calls reported on a case.

use sea_orm::entity::prelude::*;

/// A client message or call on a case, reported by a communication system through the API.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "client_communications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    pub case_id: i32,
    /// `message` or `call`.
    pub kind: String,
    /// Who it came from, as the reporting system names them.
    pub sender: String,
    /// The message text, or the call's transcript.
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    /// `missed` or `answered`, for calls.
    pub call_status: Option<String>,
    pub duration_seconds: Option<i32>,
    /// The analyser's compound score of `text`, −1 (very negative) to 1.
    pub sentiment: Option<f64>,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
