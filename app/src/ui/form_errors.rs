//! Where a failed server function's error shows: next to its field, or above the form.

use crate::error::AppError;

/// The message for `field` from a failed action, if it has one.
pub fn server_field_error<T>(result: &Option<Result<T, AppError>>, field: &str) -> Option<String> {
    result.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.message_for(field))
}

/// A form-level message for a failed action that is not about one field.
pub fn server_form_error<T>(result: &Option<Result<T, AppError>>) -> Option<String> {
    match result {
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    }
}
