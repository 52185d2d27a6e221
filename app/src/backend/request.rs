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

/// The client's address: the connection's peer, or behind a trusted proxy the address
/// it forwarded (see `forwarded`).
pub fn client_address() -> String {
    let Some(parts) = use_context::<Parts>() else { return "unknown".to_owned() };
    let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "unknown".to_owned();
    };
    match use_context::<AppState>() {
        Some(state) => state.config.client_ip(peer, &parts.headers).to_string(),
        None => peer.to_string(),
    }
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
