//! The one error type every server function returns. Each variant's text is safe to show
//! to the user; the cause of an `Internal` error is logged on the server and never sent.

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
    #[error("Please correct the highlighted fields.")]
    Invalid { fields: Vec<FieldError> },
    /// A request that cannot be carried out, with a message written for the user.
    #[error("{0}")]
    Rejected(String),
    #[error("Not found.")]
    NotFound,
    #[error("You don't belong to any company yet. Ask your firm's Kayse administrator to add you.")]
    NoCompany,
    /// A sensitive action needs the password entered in the last 10 minutes.
    #[error("For your security, enter your password to continue.")]
    ReauthRequired,
    #[error("Could not reach Kayse. Check your connection and try again.")]
    Network,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
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
            // Anything else (bad arguments, a body over the size limit) says nothing useful
            // to the user and may carry internal detail.
            #[cfg(feature = "ssr")]
            other => {
                tracing::warn!(error = %other, "server function failed before running");
                AppError::Internal
            }
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal,
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
    fn field_messages_are_found_by_name() {
        let err = AppError::field("full_name", "Enter your name.");
        assert_eq!(err.message_for("full_name").as_deref(), Some("Enter your name."));
        assert_eq!(err.message_for("phone"), None);
    }
}
