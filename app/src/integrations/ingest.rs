//! What the firm's systems outside Kayse report through the integrations API
//! (`/integrations/v1/…`, see the README): client messages and calls, documents, submitted
//! forms, campaign updates, case assignments and case changes. Each request names a case by
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
use crate::backend::scope::find_membership_in;
use crate::backend::users;
use crate::case_priority::Priority;
use crate::error::AppError;
use crate::notifications::case_events;
use crate::notifications::dispatcher::{self, Dispatched, Occurrence};
use crate::notifications::events::Event;

const MAX_SENDER_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 20_000;
/// The most people one message may mention.
const MAX_MENTIONS: usize = 50;
const MAX_STATUS_CHARS: usize = 40;
const MAX_CASE_TYPE_CHARS: usize = 80;

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
    /// The login emails of members the message mentions (as the messaging system marks
    /// them): "Mentions only" lets these through.
    #[serde(default)]
    pub mentions: Vec<String>,
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

/// A document added to a case by the firm's document system.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentReport {
    pub case: String,
    /// The file's name, e.g. `Police report.pdf`.
    pub name: String,
    pub uploaded_by: String,
}

/// A form a client submitted (an intake questionnaire, a signed authorisation).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormReport {
    pub case: String,
    pub form: String,
    pub submitted_by: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CampaignOutcome {
    Replied,
    OptedOut,
    Completed,
}

/// What happened in a marketing or follow-up campaign with a case's client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignReport {
    pub case: String,
    pub campaign: String,
    pub client: String,
    pub update: CampaignOutcome,
    /// The client's reply, for `replied`.
    #[serde(default)]
    pub text: Option<String>,
}

/// A change to a case made in another system; at least one field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseChangeReport {
    pub case: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub case_type: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    pub priority: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Ingested {
    pub id: i32,
    /// The notifications created (0 when nobody's settings let the event through).
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

/// The members of the company that `emails` name, or why one cannot be mentioned.
async fn mentioned_members(
    state: &AppState,
    company_id: i32,
    emails: &[String],
) -> Result<Vec<i32>, IngestError> {
    if emails.len() > MAX_MENTIONS {
        return Err(IngestError::Invalid(format!(
            "\"mentions\" names more than {MAX_MENTIONS} people."
        )));
    }
    let mut ids = Vec::new();
    for email in emails {
        ids.push(member_by_email(state, company_id, email, "mentions").await?.id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The member of the company with this login email, or a 400 naming the field.
async fn member_by_email(
    state: &AppState,
    company_id: i32,
    email: &str,
    field: &str,
) -> Result<user::Model, IngestError> {
    let email = required(email, field, 254)?.to_lowercase();
    let person =
        user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db).await?;
    let member = match &person {
        Some(person) => find_membership_in(&state.db, person.id, company_id).await?.is_some(),
        None => false,
    };
    // Someone outside the company and no one at all answer alike.
    person.filter(|_| member).ok_or_else(|| {
        IngestError::Invalid(format!("\"{email}\" is not a member of this company."))
    })
}

/// "Negative sentiment" for the firm, quoting what the client said.
fn negative_sentiment(company_id: i32, case: &case::Model, body: String) -> Occurrence {
    Occurrence::for_firm(
        company_id,
        Event::NegativeSentiment,
        case,
        None,
        format!("Negative sentiment on {}", label(case)),
        body,
    )
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
    let mentioned = mentioned_members(state, company_id, &report.mentions).await?;
    let score = sentiment::score(&text);
    let mut occurrences = vec![Occurrence {
        mentioned,
        ..Occurrence::for_firm(
            company_id,
            Event::NewMessage,
            &case,
            None,
            format!("New message on {}", label(&case)),
            format!("{sender}: {}", sentiment::quote(&text)),
        )
    }];
    if sentiment::is_negative(score) {
        occurrences.push(negative_sentiment(
            company_id,
            &case,
            format!("{sender} wrote: {}", sentiment::quote(&text)),
        ));
    }
    let record =
        Activity { text: Some(text), sentiment: score, ..Activity::new("message", sender) }
            .row(company_id, &case);
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
    let mut occurrences = vec![match report.status {
        CallStatus::Missed => Occurrence::for_firm(
            company_id,
            Event::MissedCall,
            &case,
            None,
            format!("Missed call on {}", label(&case)),
            format!("{sender} called and could not reach anyone."),
        ),
        CallStatus::Answered => Occurrence::for_firm(
            company_id,
            Event::CallCompleted,
            &case,
            None,
            format!("Call completed on {}", label(&case)),
            match duration {
                Some(seconds) => format!("A call with {sender} ended after {}.", minutes(seconds)),
                None => format!("A call with {sender} ended."),
            },
        ),
    }];
    if let Some(text) = transcript.as_deref().filter(|_| sentiment::is_negative(score)) {
        occurrences.push(negative_sentiment(
            company_id,
            &case,
            format!("In a call, {sender} said: {}", sentiment::quote(text)),
        ));
    }
    let status = match report.status {
        CallStatus::Missed => "missed",
        CallStatus::Answered => "answered",
    };
    let record = Activity {
        text: transcript,
        call_status: Some(status),
        duration_seconds: duration,
        sentiment: score,
        ..Activity::new("call", sender)
    }
    .row(company_id, &case);
    store(state, record, occurrences, sentiment::is_negative(score)).await
}

/// "12 min 5 s" for a call's length.
fn minutes(seconds: i32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

pub async fn ingest_document(
    state: &AppState,
    company_id: i32,
    report: DocumentReport,
) -> Result<Ingested, IngestError> {
    let name = required(&report.name, "name", MAX_SENDER_CHARS)?;
    let by = required(&report.uploaded_by, "uploaded_by", MAX_SENDER_CHARS)?;
    let case = find_case(state, company_id, &report.case).await?;
    let occurrence = Occurrence::for_firm(
        company_id,
        Event::DocumentUploaded,
        &case,
        None,
        format!("Document uploaded on {}", label(&case)),
        format!("{by} added “{name}”."),
    );
    let record =
        Activity { subject: Some(name), ..Activity::new("document", by) }.row(company_id, &case);
    store(state, record, vec![occurrence], false).await
}

pub async fn ingest_form(
    state: &AppState,
    company_id: i32,
    report: FormReport,
) -> Result<Ingested, IngestError> {
    let form = required(&report.form, "form", MAX_SENDER_CHARS)?;
    let by = required(&report.submitted_by, "submitted_by", MAX_SENDER_CHARS)?;
    let case = find_case(state, company_id, &report.case).await?;
    let occurrence = Occurrence::for_firm(
        company_id,
        Event::FormSubmitted,
        &case,
        None,
        format!("Form submitted on {}", label(&case)),
        format!("{by} submitted “{form}”."),
    );
    let record =
        Activity { subject: Some(form), ..Activity::new("form", by) }.row(company_id, &case);
    store(state, record, vec![occurrence], false).await
}

pub async fn ingest_campaign(
    state: &AppState,
    company_id: i32,
    report: CampaignReport,
) -> Result<Ingested, IngestError> {
    let campaign = required(&report.campaign, "campaign", MAX_SENDER_CHARS)?;
    let client = required(&report.client, "client", MAX_SENDER_CHARS)?;
    let text = match (report.update, report.text.as_deref().map(str::trim)) {
        (CampaignOutcome::Replied, Some(text)) if !text.is_empty() => {
            Some(required_text(text, "text", MAX_TEXT_CHARS)?)
        }
        (CampaignOutcome::Replied, _) => {
            return Err(IngestError::Invalid("\"text\" must not be empty for a reply.".into()));
        }
        (_, None | Some("")) => None,
        (_, Some(_)) => {
            return Err(IngestError::Invalid("\"text\" is only for \"replied\".".into()));
        }
    };
    let case = find_case(state, company_id, &report.case).await?;
    let (outcome, body) = match report.update {
        CampaignOutcome::Replied => (
            "replied",
            format!(
                "{client} replied to “{campaign}”: {}",
                sentiment::quote(text.as_deref().unwrap_or_default())
            ),
        ),
        CampaignOutcome::OptedOut => ("opted_out", format!("{client} left “{campaign}”.")),
        CampaignOutcome::Completed => ("completed", format!("“{campaign}” finished for {client}.")),
    };
    let score = text.as_deref().and_then(sentiment::score);
    let mut occurrences = vec![Occurrence::for_firm(
        company_id,
        Event::CampaignUpdate,
        &case,
        None,
        format!("Campaign update on {}", label(&case)),
        body,
    )];
    if let Some(reply) = text.as_deref().filter(|_| sentiment::is_negative(score)) {
        occurrences.push(negative_sentiment(
            company_id,
            &case,
            format!("{client} replied to “{campaign}”: {}", sentiment::quote(reply)),
        ));
    }
    let record = Activity {
        text,
        subject: Some(campaign),
        outcome: Some(outcome),
        sentiment: score,
        ..Activity::new("campaign", client)
    }
    .row(company_id, &case);
    store(state, record, occurrences, sentiment::is_negative(score)).await
}

/// Changes a case's status, type or priority; the firm hears "Case updated".
pub async fn change_case(
    state: &AppState,
    company_id: i32,
    report: CaseChangeReport,
) -> Result<usize, IngestError> {
    let status =
        report.status.as_deref().map(|s| required(s, "status", MAX_STATUS_CHARS)).transpose()?;
    let case_type = report
        .case_type
        .as_deref()
        .map(|t| required(t, "case_type", MAX_CASE_TYPE_CHARS))
        .transpose()?;
    let priority = match report.priority.as_deref() {
        None => None,
        Some(key) => Some(Priority::from_key(key.trim()).ok_or_else(|| {
            IngestError::Invalid(
                "\"priority\" must be \"low\", \"normal\", \"high\" or \"urgent\".".into(),
            )
        })?),
    };
    if status.is_none() && case_type.is_none() && priority.is_none() {
        return Err(IngestError::Invalid(
            "Send at least one of \"status\", \"case_type\" and \"priority\".".into(),
        ));
    }
    let before = find_case(state, company_id, &report.case).await?;
    let mut after = before.clone();
    if let Some(status) = status {
        after.status = status;
    }
    if let Some(case_type) = case_type {
        after.case_type = case_type;
    }
    if let Some(priority) = priority {
        after.priority = priority.key().to_owned();
    }
    let Some(occurrence) = case_events::case_updated(&before, &after, &Default::default(), None)
    else {
        return Ok(0);
    };
    let txn = state.db.begin().await?;
    case::Entity::update_many()
        .col_expr(case::Column::Status, sea_orm::sea_query::Expr::value(after.status.clone()))
        .col_expr(case::Column::CaseType, sea_orm::sea_query::Expr::value(after.case_type.clone()))
        .col_expr(case::Column::Priority, sea_orm::sea_query::Expr::value(after.priority.clone()))
        .filter(case::Column::Id.eq(before.id))
        .exec(&txn)
        .await?;
    let dispatched = dispatcher::dispatch(&txn, &occurrence).await?;
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(case_id = before.id, "case changed through the API");
    Ok(dispatched.len())
}

/// Assigns a case to a member of the token's company; the new assignee is notified
/// ("Case assigned"), in the same transaction as the assignment.
pub async fn assign_case(
    state: &AppState,
    company_id: i32,
    report: AssignmentReport,
) -> Result<usize, IngestError> {
    let case = find_case(state, company_id, &report.case).await?;
    let assignee = member_by_email(state, company_id, &report.assignee, "assignee").await?;
    if case.assignee_id == Some(assignee.id) {
        return Ok(0);
    }
    let occurrence = Occurrence::for_person(
        company_id,
        Event::CaseAssigned,
        &case,
        assignee.id,
        None,
        format!("Case assigned: {}", label(&case)),
        "This case was assigned to you by your firm's systems.".to_owned(),
    );
    let after = case::Model { assignee_id: Some(assignee.id), ..case.clone() };
    let names =
        users::names_by_id(&state.db, case.assignee_id.into_iter().chain([assignee.id])).await?;
    let txn = state.db.begin().await?;
    case::Entity::update_many()
        .col_expr(case::Column::AssigneeId, sea_orm::sea_query::Expr::value(Some(assignee.id)))
        .filter(case::Column::Id.eq(case.id))
        .exec(&txn)
        .await?;
    let mut dispatched: Vec<Dispatched> = dispatcher::dispatch(&txn, &occurrence).await?;
    if let Some(updated) = case_events::case_updated(&case, &after, &names, None) {
        dispatched.extend(dispatcher::dispatch(&txn, &updated).await?);
    }
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(case_id = case.id, assignee_id = assignee.id, "case assigned through the API");
    Ok(dispatched.len())
}

/// One reported activity on a case, as stored.
struct Activity {
    kind: &'static str,
    sender: String,
    text: Option<String>,
    subject: Option<String>,
    outcome: Option<&'static str>,
    call_status: Option<&'static str>,
    duration_seconds: Option<i32>,
    sentiment: Option<f64>,
}

impl Activity {
    fn new(kind: &'static str, sender: String) -> Activity {
        Activity {
            kind,
            sender,
            text: None,
            subject: None,
            outcome: None,
            call_status: None,
            duration_seconds: None,
            sentiment: None,
        }
    }

    fn row(self, company_id: i32, case: &case::Model) -> client_communication::ActiveModel {
        client_communication::ActiveModel {
            company_id: Set(company_id),
            case_id: Set(case.id),
            kind: Set(self.kind.to_owned()),
            sender: Set(self.sender),
            text: Set(self.text),
            call_status: Set(self.call_status.map(str::to_owned)),
            duration_seconds: Set(self.duration_seconds),
            sentiment: Set(self.sentiment),
            subject: Set(self.subject),
            outcome: Set(self.outcome.map(str::to_owned)),
            received_at: Set(Utc::now()),
            ..Default::default()
        }
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
        dispatched.extend(dispatcher::dispatch(&txn, occurrence).await?);
    }
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    Ok(Ingested { id: stored.id, notifications: dispatched.len(), negative_sentiment })
}
