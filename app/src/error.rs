//! The one error type every server function and plain route returns. Each variant's text
//! is safe to show to the user, and each carries the HTTP status a client expects (set in
//! one place for server functions, `ser`, and for routes, `IntoResponse`). The cause of an
//! `Internal` error is logged on the server, inside the request's span, and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("Too many attempts. Try again in {}.", wait_text(*retry_after_seconds))]
    RateLimited { retry_after_seconds: u64 },
    /// The server's bounded work (password hashing, photos) is full for now.
    #[error("Kayse is busy right now. Try again in {}.", wait_text(*retry_after_seconds))]
    Busy { retry_after_seconds: u64 },
    #[error("Please correct the highlighted fields.")]
    Invalid { fields: Vec<FieldError> },
    /// A request that could not be read (bad arguments, a malformed body): not a user's typo.
    #[error("This request could not be read. Reload the page and try again.")]
    BadRequest,
    /// A request that cannot be carried out, with a message written for the user.
    #[error("{0}")]
    Rejected(String),
    #[error("Not found.")]
    NotFound,
    #[error("You don't belong to any company yet. Ask your firm's Kayse administrator to add you.")]
    NoCompany,
    /// The company requires two-factor authentication and this person has none yet.
    #[error(
        "{company} requires two-factor authentication. Set it up on the Security tab to keep working in it."
    )]
    TwoFactorRequired { company: String },
    /// A sensitive action needs the password entered in the last 10 minutes.
    #[error("For your security, enter your password to continue.")]
    ReauthRequired,
    /// A request the server refuses whoever sends it (for example a cross-site POST).
    #[error("This request is not allowed.")]
    Forbidden,
    #[error("That upload is too large.")]
    TooLarge,
    #[error("Could not reach Kayse. Check your connection and try again.")]
    Network,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The HTTP status a client, a proxy or a log reader expects for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::BadRequest => 400,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::NoCompany
            | AppError::ReauthRequired
            | AppError::Forbidden
            | AppError::TwoFactorRequired { .. } => 403,
            AppError::NotFound => 404,
            AppError::Rejected(_) => 409,
            AppError::TooLarge => 413,
            AppError::Invalid { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Internal => 500,
            AppError::Busy { .. } => 503,
            // Made by the browser when the server could not be reached; never sent.
            AppError::Network => 503,
        }
    }

    /// Seconds to wait before trying again, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_seconds }
            | AppError::Busy { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            fields: vec![FieldError { field: field.to_owned(), message: message.into() }],
        }
    }

    /// The message for one field, if this error carries one.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields } => {
                fields.iter().find(|f| f.field == field).map(|f| f.message.clone())
            }
            _ => None,
        }
    }

    /// Logs the cause on the server and returns the generic public error.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }
}

/// "12 seconds", "1 minute", "4 minutes": rounded up so the user never retries too early.
pub fn wait_text(seconds: u64) -> String {
    if seconds < 60 {
        let s = seconds.max(1);
        format!("{s} second{}", if s == 1 { "" } else { "s" })
    } else {
        let m = seconds.div_ceil(60);
        format!("{m} minute{}", if m == 1 { "" } else { "s" })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            // Arguments or a body that could not be read: the request's fault. Its detail may
            // name internals, so it is logged, not sent.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                #[cfg(feature = "ssr")]
                tracing::warn!(error = %value, "a server function's arguments could not be read");
                AppError::BadRequest
            }
            #[cfg(feature = "ssr")]
            other => {
                tracing::warn!(error = %other, "server function failed before running");
                AppError::Internal
            }
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal,
        }
    }

    /// Encodes the error for the response and, on the server, gives that response the
    /// error's status: the one conversion every server function's error goes through.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        http_status::set_for_server_fn(self);
        <JsonEncoding as leptos::server_fn::Encodes<Self>>::encode(self)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(br#""Internal""#))
    }
}

/// The HTTP side of `AppError`, on the server.
#[cfg(feature = "ssr")]
pub mod http_status {
    use axum::Json;
    use axum::response::{IntoResponse, Response};
    use http::{HeaderValue, StatusCode, header};
    use leptos::prelude::use_context;

    use super::AppError;

    impl AppError {
        pub fn status(&self) -> StatusCode {
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }

    /// Sets the status (and `Retry-After`) of the server function's response. A plain HTML
    /// form post (no JavaScript) keeps the redirect back to its form that Leptos answers it
    /// with, since a browser does not follow a redirect whose status is an error.
    pub(super) fn set_for_server_fn(error: &AppError) {
        let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
        let html_form = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        });
        if html_form {
            return;
        }
        response.set_status(error.status());
        if let Some(seconds) = error.retry_after() {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }

    /// A JSON error body, `{"error": "…"}`, with its status: what every plain route (the
    /// integrations API, avatars, the middleware) answers with.
    pub fn json_error(status: StatusCode, message: &str, retry_after: Option<u64>) -> Response {
        let mut response = (status, Json(serde_json::json!({ "error": message }))).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            json_error(self.status(), &self.to_string(), self.retry_after())
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal("database error", err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_rounded_up_and_pluralised() {
        assert_eq!(wait_text(0), "1 second");
        assert_eq!(wait_text(1), "1 second");
        assert_eq!(wait_text(59), "59 seconds");
        assert_eq!(wait_text(60), "1 minute");
        assert_eq!(wait_text(61), "2 minutes");
    }

    #[test]
    fn every_error_has_the_status_a_client_expects() {
        assert_eq!(AppError::Unauthorized.status_code(), 401);
        assert_eq!(AppError::InvalidCredentials.status_code(), 401);
        assert_eq!(AppError::field("name", "x").status_code(), 422);
        assert_eq!(AppError::BadRequest.status_code(), 400);
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::ReauthRequired.status_code(), 403);
        assert_eq!(AppError::Rejected("x".into()).status_code(), 409);
        assert_eq!(AppError::TooLarge.status_code(), 413);
        let limited = AppError::RateLimited { retry_after_seconds: 30 };
        assert_eq!((limited.status_code(), limited.retry_after()), (429, Some(30)));
        assert_eq!(AppError::Internal.status_code(), 500);
        let busy = AppError::Busy { retry_after_seconds: 5 };
        assert_eq!((busy.status_code(), busy.retry_after()), (503, Some(5)));
    }

    #[test]
    fn field_messages_are_found_by_name() {
        let err = AppError::field("full_name", "Enter your name.");
        assert_eq!(err.message_for("full_name").as_deref(), Some("Enter your name."));
        assert_eq!(err.message_for("phone"), None);
    }
}
