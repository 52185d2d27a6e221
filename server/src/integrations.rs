//! The integrations API: the firms' phone, messaging, document, forms and campaign systems
//! report what happens on their cases here, authenticated by a company API token (see the README for the format and
//! a curl example). Every refusal is a 4xx with a JSON `{"error": "…"}` saying why, and
//! stores nothing.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use app::backend::AppState;
use app::backend::throttle::{Key, Kind};
use app::error::AppError;
use app::error::http_status::json_error;
use app::integrations::ingest::{
    self, AssignmentReport, CallReport, CampaignReport, CaseChangeReport, DocumentReport,
    FormReport, IngestError, Ingested, MessageReport,
};

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json_error(status, message, None)
}

fn refusal(err: IngestError) -> Response {
    match err {
        IngestError::Unauthorized => error(
            StatusCode::UNAUTHORIZED,
            "Missing, unknown or revoked API token. Send it as: Authorization: Bearer kayse_…",
        ),
        IngestError::Invalid(reason) => error(StatusCode::BAD_REQUEST, &reason),
        IngestError::CaseNotFound(number) => {
            error(StatusCode::NOT_FOUND, &format!("No case numbered \"{number}\" in this company."))
        }
        IngestError::Internal => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please retry later.",
        ),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// Requests one integration token may send a minute: far above what a firm's phone
/// system reports, low enough that a runaway script cannot take the server.
pub const REQUESTS_PER_TOKEN_PER_MINUTE: u32 = 300;

fn too_many(retry_after_seconds: u64, what: &str) -> Response {
    let message = format!("{what} Retry in {retry_after_seconds} seconds.");
    json_error(StatusCode::TOO_MANY_REQUESTS, &message, Some(retry_after_seconds))
}

/// A limiter's refusal as a 429, or (the database failing) a generic 500.
fn limited(err: AppError, what: &str) -> Response {
    match err {
        AppError::RateLimited { retry_after_seconds } => too_many(retry_after_seconds, what),
        other => {
            tracing::warn!(?other, "an integration limiter failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong. Try again.")
        }
    }
}

/// The parts every endpoint shares: the guess limit, the token, its rate, JSON parsing.
async fn accept<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    address: &str,
    body: &Bytes,
) -> Result<(i32, T), Response> {
    // Tokens are 256 random bits, but wrong ones still count towards the address's limit,
    // which is the integrations' own: it never slows anyone signing in.
    let attempt = state
        .integration_throttle
        .reserve(&state.db, &[Key::address(address)])
        .await
        .map_err(|err| limited(err, "Too many failed attempts."))?;
    let token = match ingest::authenticate(state, bearer(headers)).await {
        Ok(token) => {
            attempt.succeeded().await;
            token
        }
        Err(IngestError::Unauthorized) => {
            let _ = attempt.failed().await;
            return Err(refusal(IngestError::Unauthorized));
        }
        Err(err) => return Err(refusal(err)),
    };
    state
        .integration_rate
        .take(&state.db, Key::named(Kind::Address, &format!("api token {}", token.id)))
        .await
        .map_err(|err| limited(err, "Too many requests with this token."))?;
    let is_json =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send JSON, with Content-Type: application/json.",
        ));
    }
    let report = serde_json::from_slice::<T>(body).map_err(|e| {
        error(StatusCode::BAD_REQUEST, &format!("The body is not valid for this endpoint: {e}."))
    })?;
    Ok((token.company_id, report))
}

fn created(done: Ingested) -> Response {
    reply(
        StatusCode::CREATED,
        serde_json::json!({ "id": done.id, "notifications": done.notifications, "negative_sentiment": done.negative_sentiment }),
    )
}

/// Accepts a report (guess limit, token, JSON) and runs it for the token's company. The
/// address is the client's, behind a trusted proxy the one it forwarded.
async fn handle<T, R, Fut>(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    body: Bytes,
    run: impl FnOnce(AppState, i32, T) -> Fut,
    answer: fn(R) -> Response,
) -> Response
where
    T: DeserializeOwned,
    Fut: std::future::Future<Output = Result<R, IngestError>>,
{
    let address = state.config.client_ip(peer.ip(), &headers).to_string();
    match accept::<T>(&state, &headers, &address, &body).await {
        Ok((company_id, report)) => match run(state.clone(), company_id, report).await {
            Ok(done) => answer(done),
            Err(err) => refusal(err),
        },
        Err(response) => response,
    }
}

pub async fn report_message(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: MessageReport| async move {
        ingest::ingest_message(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, created).await
}

pub async fn report_call(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: CallReport| async move {
        ingest::ingest_call(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, created).await
}

/// `{"notifications": n}`, for reports that change a case rather than store an activity.
fn changed(notifications: usize) -> Response {
    reply(StatusCode::OK, serde_json::json!({ "notifications": notifications }))
}

pub async fn report_document(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: DocumentReport| async move {
        ingest::ingest_document(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, created).await
}

pub async fn report_form(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: FormReport| async move {
        ingest::ingest_form(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, created).await
}

pub async fn report_campaign(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: CampaignReport| async move {
        ingest::ingest_campaign(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, created).await
}

pub async fn report_case_change(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: CaseChangeReport| async move {
        ingest::change_case(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, changed).await
}

pub async fn report_assignment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = |state: AppState, company_id, report: AssignmentReport| async move {
        ingest::assign_case(&state, company_id, report).await
    };
    handle(state, peer, headers, body, run, changed).await
}
