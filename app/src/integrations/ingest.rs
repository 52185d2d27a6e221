//! Client messages and calls reported by the communication systems outside Kayse, through
//! the integrations API (`/integrations/v1/…`, see the README). Each request names a case by
//! its number; the company comes from the API token, never from the request, so another
//! company's case is "not found". A report is stored with its notifications in one
//! transaction, or not at all.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Deserialize;

use super::sentiment;
use crate::backend::AppState;
use crate::backend::api_tokens;
use crate::backend::entities::{api_token, case, client_communication, user};
use crate::backend::scope::find_membership;
use crate::error::AppError;
use crate::notifications::dispatcher::{self, Dispatched, Occurrence};
use crate::notifications::events::Event;

const MAX_SENDER_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 20_000;

/// Why a report was refused; the HTTP layer turns each into its status code.
#[derive(Debug, PartialEq, Eq)]
pub enum IngestError {
    /// No token, a malformed one, an unknown one or a revoked one: 401.
    Unauthorized,
    /// Bad JSON or a missing or invalid field: 400, with the reason.
    Invalid(String),
    /// No case with that number in the token's company: 404.
    CaseNotFound(String),
    /// A server-side failure: 500, logged.
    Internal,
}

impl From<AppError> for IngestError {
    fn from(_: AppError) -> Self {
        IngestError::Internal
    }
}

impl From<sea_orm::DbErr> for IngestError {
    fn from(err: sea_orm::DbErr) -> Self {
        tracing::error!(%err, "database error in the integrations API");
        IngestError::Internal
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageReport {
    /// The case number, e.g. `HL-2026-014`.
    pub case: String,
    pub from: String,
    pub text: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    Missed,
    Answered,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallReport {
    pub case: String,
    pub from: String,
    pub status: CallStatus,
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    /// What was said, when the phone system transcribes calls.
    #[serde(default)]
    pub transcript: Option<String>,
}

/// A case assigned by another system (for example the firm's intake tool).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentReport {
    pub case: String,
    /// The login email of the member who takes the case.
    pub assignee: String,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Ingested {
    pub id: i32,
    /// The notifications created (0 when the case has no assignee, or they want none).
    pub notifications: usize,
    pub negative_sentiment: bool,
}

/// The company of a bearer token; records its use.
pub async fn authenticate(
    state: &AppState,
    bearer: Option<&str>,
) -> Result<api_token::Model, IngestError> {
    api_tokens::authenticate(&state.db, bearer).await?.ok_or(IngestError::Unauthorized)
}

/// A one-line field (case number, sender, assignee).
fn required(value: &str, field: &str, max: usize) -> Result<String, IngestError> {
    let trimmed = bounded(value, field, max)?;
    if !crate::text::is_clean_line(&trimmed) {
        return Err(hidden_characters(field));
    }
    Ok(trimmed)
}

/// A text that may have several lines (a message, a transcript).
fn required_text(value: &str, field: &str, max: usize) -> Result<String, IngestError> {
    let trimmed = bounded(value, field, max)?;
    if !crate::text::is_clean_text(&trimmed) {
        return Err(hidden_characters(field));
    }
    Ok(trimmed)
}

fn bounded(value: &str, field: &str, max: usize) -> Result<String, IngestError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(IngestError::Invalid(format!("\"{field}\" must not be empty.")));
    }
    if trimmed.chars().count() > max {
        return Err(IngestError::Invalid(format!("\"{field}\" is longer than {max} characters.")));
    }
    Ok(trimmed.to_owned())
}

/// Control or invisible format characters would let a report hide or reorder what staff
/// read (see crate::text).
fn hidden_characters(field: &str) -> IngestError {
    IngestError::Invalid(format!(
        "\"{field}\" contains control or invisible formatting characters; remove them."
    ))
}

async fn find_case(
    state: &AppState,
    company_id: i32,
    number: &str,
) -> Result<case::Model, IngestError> {
    let number = required(number, "case", 64)?;
    case::Entity::find()
        .filter(case::Column::CompanyId.eq(company_id))
        .filter(case::Column::Number.eq(number.as_str()))
        .one(&state.db)
        .await?
        .ok_or(IngestError::CaseNotFound(number))
}

/// An event on `case` for the member it is (now) assigned to, caused by no person.
fn for_assignee(
    company_id: i32,
    case: &case::Model,
    assignee: i32,
    event: Event,
    title: String,
    body: String,
) -> Occurrence {
    Occurrence {
        company_id,
        event,
        case_id: case.id,
        task_id: None,
        recipient_id: assignee,
        actor_id: None,
        title,
        body,
    }
}

fn label(case: &case::Model) -> String {
    format!("{} · {}", case.number, case.name)
}

pub async fn ingest_message(
    state: &AppState,
    company_id: i32,
    report: MessageReport,
) -> Result<Ingested, IngestError> {
    let sender = required(&report.from, "from", MAX_SENDER_CHARS)?;
    let text = required_text(&report.text, "text", MAX_TEXT_CHARS)?;
    let case = find_case(state, company_id, &report.case).await?;
    let score = sentiment::score(&text);
    let mut occurrences = Vec::new();
    if let Some(assignee) = case.assignee_id {
        occurrences.push(for_assignee(
            company_id,
            &case,
            assignee,
            Event::NewMessage,
            format!("New message on {}", label(&case)),
            format!("{sender}: {}", sentiment::quote(&text)),
        ));
        if sentiment::is_negative(score) {
            occurrences.push(for_assignee(
                company_id,
                &case,
                assignee,
                Event::NegativeSentiment,
                format!("Negative sentiment on {}", label(&case)),
                format!("{sender} wrote: {}", sentiment::quote(&text)),
            ));
        }
    }
    let record = communication(company_id, &case, "message", sender, Some(text), None, None, score);
    store(state, record, occurrences, sentiment::is_negative(score)).await
}

pub async fn ingest_call(
    state: &AppState,
    company_id: i32,
    report: CallReport,
) -> Result<Ingested, IngestError> {
    let sender = required(&report.from, "from", MAX_SENDER_CHARS)?;
    let transcript = match report.transcript.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(required_text(text, "transcript", MAX_TEXT_CHARS)?),
    };
    let duration = report.duration_seconds.map(|d| i32::try_from(d).unwrap_or(i32::MAX));
    let case = find_case(state, company_id, &report.case).await?;
    let score = transcript.as_deref().and_then(sentiment::score);
    let mut occurrences = Vec::new();
    if let Some(assignee) = case.assignee_id {
        if report.status == CallStatus::Missed {
            occurrences.push(for_assignee(
                company_id,
                &case,
                assignee,
                Event::MissedCall,
                format!("Missed call on {}", label(&case)),
                format!("{sender} called and could not reach anyone."),
            ));
        }
        if let Some(text) = transcript.as_deref().filter(|_| sentiment::is_negative(score)) {
            occurrences.push(for_assignee(
                company_id,
                &case,
                assignee,
                Event::NegativeSentiment,
                format!("Negative sentiment on {}", label(&case)),
                format!("In a call, {sender} said: {}", sentiment::quote(text)),
            ));
        }
    }
    let status = match report.status {
        CallStatus::Missed => "missed",
        CallStatus::Answered => "answered",
    };
    let record =
        communication(company_id, &case, "call", sender, transcript, Some(status), duration, score);
    store(state, record, occurrences, sentiment::is_negative(score)).await
}

/// Assigns a case to a member of the token's company; the new assignee is notified
/// ("Case assigned"), in the same transaction as the assignment.
pub async fn assign_case(
    state: &AppState,
    company_id: i32,
    report: AssignmentReport,
) -> Result<usize, IngestError> {
    let email = required(&report.assignee, "assignee", 254)?.to_lowercase();
    let case = find_case(state, company_id, &report.case).await?;
    let assignee =
        user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db).await?;
    let member = match &assignee {
        Some(person) => find_membership(&state.db, person.id, company_id).await?.is_some(),
        None => false,
    };
    let Some(assignee) = assignee.filter(|_| member) else {
        return Err(IngestError::Invalid(format!("\"{email}\" is not a member of this company.")));
    };
    if case.assignee_id == Some(assignee.id) {
        return Ok(0);
    }
    let occurrence = for_assignee(
        company_id,
        &case,
        assignee.id,
        Event::CaseAssigned,
        format!("Case assigned: {}", label(&case)),
        "This case was assigned to you by your firm's systems.".to_owned(),
    );
    let txn = state.db.begin().await?;
    case::Entity::update_many()
        .col_expr(case::Column::AssigneeId, sea_orm::sea_query::Expr::value(Some(assignee.id)))
        .filter(case::Column::Id.eq(case.id))
        .exec(&txn)
        .await?;
    let dispatched: Vec<Dispatched> =
        dispatcher::dispatch(&txn, &occurrence).await?.into_iter().collect();
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(case_id = case.id, assignee_id = assignee.id, "case assigned through the API");
    Ok(dispatched.len())
}

#[allow(clippy::too_many_arguments)]
fn communication(
    company_id: i32,
    case: &case::Model,
    kind: &str,
    sender: String,
    text: Option<String>,
    call_status: Option<&str>,
    duration_seconds: Option<i32>,
    sentiment: Option<f64>,
) -> client_communication::ActiveModel {
    client_communication::ActiveModel {
        company_id: Set(company_id),
        case_id: Set(case.id),
        kind: Set(kind.to_owned()),
        sender: Set(sender),
        text: Set(text),
        call_status: Set(call_status.map(str::to_owned)),
        duration_seconds: Set(duration_seconds),
        sentiment: Set(sentiment),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// The report and its notifications, in one transaction; then the live refresh.
async fn store(
    state: &AppState,
    record: client_communication::ActiveModel,
    occurrences: Vec<Occurrence>,
    negative_sentiment: bool,
) -> Result<Ingested, IngestError> {
    let txn = state.db.begin().await?;
    let stored = record.insert(&txn).await?;
    let mut dispatched: Vec<Dispatched> = Vec::new();
    for occurrence in &occurrences {
        if let Some(done) = dispatcher::dispatch(&txn, occurrence).await? {
            dispatched.push(done);
        }
    }
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    Ok(Ingested { id: stored.id, notifications: dispatched.len(), negative_sentiment })
}
