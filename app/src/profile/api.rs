//! The Profile tab's wire types and server functions. Each function authenticates itself:
//! it acts only on the signed-in user, whatever the request claims.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEmail {
    pub new_email: String,
    /// When the link stops working, in the user's timezone.
    pub expires_display: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub full_name: String,
    pub email: String,
    /// Formatted for display (`+1 415-555-0134`); stored as E.164.
    pub phone: Option<String>,
    pub timezone: String,
    pub avatar_url: Option<String>,
    pub initials: String,
    pub avatar_colour: String,
    pub pending_email: Option<PendingEmail>,
}

#[server]
pub async fn get_profile() -> Result<ProfileView, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let session = request::signed_in()?;
    let pending = session.pending_email_change(&state.reads).await?;
    Ok(super::server::present(&session.user, pending))
}

/// The IANA timezone names, for the Timezone list (sent from the server so the wasm
/// bundle does not carry the timezone database).
///
/// A GET the browser keeps for a day: the list changes only with a new server build, and
/// the form asks for it every time it is drawn (each visit to the Profile tab), which
/// otherwise downloads about 4 KB again. `private`, as only a signed-in person may read
/// it; saving checks the chosen name on the server whatever list the browser kept.
#[server(input = GetUrl)]
pub async fn list_timezones() -> Result<Vec<String>, AppError> {
    use crate::backend::request;
    request::signed_in()?;
    request::set_response_header(http::header::CACHE_CONTROL, TIMEZONES_CACHE_CONTROL)?;
    Ok(super::server::timezone_names())
}

/// How long a browser may keep the timezone list (`list_timezones`).
pub const TIMEZONES_CACHE_CONTROL: &str = "private, max-age=86400";

/// Saves the Profile form: full name, phone, timezone and the photo (new or removed).
/// Multipart, so the photo travels as a file; the body size is capped by the router.
#[server(input = MultipartFormData)]
pub async fn save_profile(data: MultipartData) -> Result<ProfileView, AppError> {
    use super::rules::PHOTO_MAX_BYTES;
    use super::server::ProfileSubmission;
    use crate::backend::request;

    let state = request::state()?;
    let session = request::signed_in()?;
    let mut multipart =
        data.into_inner().ok_or_else(|| AppError::internal("profile form", "no multipart body"))?;
    let mut form = ProfileSubmission::default();
    let bad_form = |e: multer::Error| {
        tracing::info!(error = %e, "unreadable profile form");
        AppError::Rejected("The form could not be read. Please try again.".into())
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                if bytes.len() + chunk.len() > PHOTO_MAX_BYTES {
                    form.photo_too_large = true;
                    bytes.clear();
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            form.photo = Some(bytes);
            continue;
        }
        let value = field.text().await.map_err(bad_form)?;
        match name.as_str() {
            "full_name" => form.full_name = value,
            "phone" => form.phone = value,
            "timezone" => form.timezone = value,
            "remove_photo" => form.remove_photo = value == "true",
            _ => {}
        }
    }
    super::server::save_profile(&state, session.user_id, form).await
}

#[server]
pub async fn request_email_change(
    new_email: String,
    current_password: String,
) -> Result<ProfileView, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let session = request::signed_in()?;
    super::server::request_email_change(&state, session.user_id, &new_email, current_password).await
}

#[server]
pub async fn resend_email_change() -> Result<ProfileView, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let session = request::signed_in()?;
    super::server::resend_email_change(&state, session.user_id).await
}

#[server]
pub async fn cancel_email_change() -> Result<ProfileView, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let session = request::signed_in()?;
    super::server::cancel_email_change(&state, session.user_id).await
}

/// Opens the link from the confirmation email. Needs no session: the link is the proof,
/// and its owner may open it on another device.
#[server]
pub async fn confirm_email_change(token: String) -> Result<String, AppError> {
    let state = crate::backend::request::state()?;
    super::server::confirm_email_change(
        &state,
        &token,
        &crate::backend::audit::Client::of_request(),
    )
    .await
}

/// The "cancel" link sent to the old address: stops a pending login-email change. Needs
/// no session (whoever asked for the change may also know the password); the link's
/// token is the authority, once.
#[server]
pub async fn cancel_email_change_by_link(token: String) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    super::server::cancel_email_change_by_link(&state, &token).await
}
