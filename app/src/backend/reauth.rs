//! Re-authentication: the password check every sensitive action shares, so a wrong current
//! password counts towards the same guessing limit as a wrong sign-in, and the "entered in
//! the last 10 minutes" window that spares asking twice. A password entered again gives
//! the session a fresh token.

use super::audit::Client;
use super::entities::user;
use super::guesses::{account_keys, answer_wrong_guess};
use super::session_store::{self, SignedIn};
use super::state::AppState;
use super::{device_cookies, passwords, users};
use crate::error::AppError;

/// Re-checks a signed-in user's password for a sensitive action. A wrong one is a field
/// error on `field` and counts as a wrong sign-in from this browser would; the attempt is
/// counted before the check, so a burst of prompts gets no more checks than the allowance.
pub async fn check_password_for(
    state: &AppState,
    user: &user::Model,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    let client = Client::of_request();
    let known_device = device_cookies::listed_for(state, user.id, client.device.as_deref()).await?;
    let keys = account_keys(&user.email, &client, known_device.as_deref());
    let attempt = state.password_throttle.reserve(&state.db, &keys).await?;
    if passwords::verify_password(password, Some(user.password_hash.clone())).await? {
        attempt.succeeded().await;
        return Ok(());
    }
    let failure = attempt.failed().await;
    let wrong = AppError::field(field, "That password is not correct.");
    Err(answer_wrong_guess(state, Some(user), &client, failure, wrong).await)
}

/// Sensitive actions need the password from the last 10 minutes: either it was entered
/// recently in this session, or it comes with the request (and then counts as entered).
pub async fn require_recent_password(
    state: &AppState,
    me: &SignedIn,
    password: Option<String>,
) -> Result<(), AppError> {
    if me.password_recently_confirmed() {
        return Ok(());
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(AppError::ReauthRequired);
    };
    let user = users::load_user(&state.db, me.user_id).await?;
    check_password_for(state, &user, password, "password").await?;
    password_entered(state, me).await
}

/// Records that this session just entered its password, under a fresh token: whoever
/// copied the cookie before the re-authentication holds nothing that passes it.
pub async fn password_entered(state: &AppState, me: &SignedIn) -> Result<(), AppError> {
    let token = session_store::rotate_token(&state.db, me.session_id).await?;
    // The old token must stop working at once, even where it was cached.
    state.live.publish(super::live::LiveEvent::AccountChanged { user_id: me.user_id });
    super::request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::set_cookie_value(&state.config, &token),
    )
}
