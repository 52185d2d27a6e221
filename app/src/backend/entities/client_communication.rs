//! The `client_communications` table: what the firm's other systems report on a case.

use sea_orm::entity::prelude::*;

/// A client message or call, a document, a submitted form or a campaign update on a case,
/// reported by one of the firm's systems through the integrations API.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "client_communications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: i32,
    pub case_id: i32,
    /// `message`, `call`, `document`, `form` or `campaign`.
    pub kind: String,
    /// Who it came from (who uploaded, submitted, or the client), as the system names them.
    pub sender: String,
    /// The message text, or the call's transcript.
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    /// `missed` or `answered`, for calls.
    pub call_status: Option<String>,
    pub duration_seconds: Option<i32>,
    /// The analyser's compound score of `text`, −1 (very negative) to 1.
    pub sentiment: Option<f64>,
    /// The document's, form's or campaign's name.
    pub subject: Option<String>,
    /// A campaign update's outcome: `replied`, `opted_out` or `completed`.
    pub outcome: Option<String>,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
