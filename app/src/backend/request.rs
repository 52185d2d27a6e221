//! What a server function knows about the request it serves. Every server function is a
//! public HTTP endpoint, so each one asks for `signed_in()` itself.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::use_context;

use super::session_store::SignedIn;
use super::state::AppState;
use crate::error::AppError;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::internal("request context", "AppState missing"))
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>()
        .ok_or_else(|| AppError::internal("request context", "request parts missing"))
}

/// The session the middleware found for this request, or `Unauthorized`.
pub fn signed_in() -> Result<SignedIn, AppError> {
    parts()?.extensions.get::<SignedIn>().cloned().ok_or(AppError::Unauthorized)
}

/// The peer address of the connection (the server does not trust forwarding headers).
pub fn client_address() -> String {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

pub fn user_agent() -> String {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(http::header::USER_AGENT)?.to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// Adds a header to the response of the current server function or page.
pub fn set_response_header(name: http::HeaderName, value: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| AppError::internal("request context", "response options missing"))?;
    let value =
        http::HeaderValue::from_str(value).map_err(|e| AppError::internal("header value", e))?;
    response.append_header(name, value);
    Ok(())
}

/// A token cookie of this request (64 hex characters), by name.
pub fn cookie(name: &str) -> Option<String> {
    use_context::<Parts>().and_then(|p| super::session_store::cookie_token(&p.headers, name))
}
