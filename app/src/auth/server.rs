//! The password step of signing in: credentials checked under the guessing limits, then a
//! session, or for an account with 2FA a half-finished sign-in waiting for the second step.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::backend::audit::{self, Client, SecurityEventKind};
use crate::backend::entities::user;
use crate::backend::guesses::{MAX_EMAIL_BYTES, account_keys, answer_wrong_guess};
use crate::backend::{
    AppState, credentials, device_cookies, passwords, remembered_devices, session_store,
};
use crate::error::AppError;
use crate::security::second_factor::has_two_factor;

use super::new_device::notice_new_device;
use super::second_step::begin_pending_sign_in;

/// Where to go after signing in: `next` resolved against the public URL the way a browser
/// resolves it (tabs and newlines dropped, backslashes read as slashes), accepted only when
/// it stays on the same origin and is not a server function, and returned as a normalised
/// path (control characters percent-encoded, so it is always a valid `Location`).
/// Anything else, and anything unparsable, is `/`.
pub fn safe_next(public_url: &str, next: Option<&str>) -> String {
    let Some(next) = next.filter(|n| n.starts_with('/')) else { return "/".to_owned() };
    let Ok(base) = url::Url::parse(public_url) else { return "/".to_owned() };
    let Ok(target) = base.join(next) else { return "/".to_owned() };
    if target.origin() != base.origin() || target.path().starts_with("/api/") {
        return "/".to_owned();
    }
    let mut path = target.path().to_owned();
    if let Some(query) = target.query() {
        path.push('?');
        path.push_str(query);
    }
    if let Some(fragment) = target.fragment() {
        path.push('#');
        path.push_str(fragment);
    }
    // The URL parser percent-encodes what a header cannot carry; this is the last guard.
    if path.bytes().any(|b| b.is_ascii_control() || b == b'\\') {
        return "/".to_owned();
    }
    path
}

/// The answer to the right password of a secured account.
pub const MUST_CHOOSE_NEW_PASSWORD: &str = "This account was secured, so it needs a new password \
     before anyone signs in. Use \"Forgot password?\" to get a link by email.";

/// What a correct password leads to.
pub enum SignInOutcome {
    /// Signed in: the new session's cookie token.
    Session(String),
    /// The account has 2FA: the token of the half-finished sign-in, for its own cookie.
    SecondFactorNeeded(String),
}

/// Checks credentials under the guessing limits and starts a session, or, for an account
/// with 2FA, a half-finished sign-in waiting for the second factor. The attempt is counted
/// before the password is checked, so a burst gets no more checks than the allowance.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &Client,
    next: &str,
) -> Result<(user::Model, SignInOutcome), AppError> {
    let email = email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::field("email", "That email address is too long."));
    }
    let found =
        user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db).await?;
    let known_device = match &found {
        Some(user) => device_cookies::listed_for(state, user.id, client.device.as_deref()).await?,
        None => None,
    };
    let keys = account_keys(&email, client, known_device.as_deref());
    let attempt = state.password_throttle.reserve(&state.db, &keys).await?;
    let stored_hash = found.as_ref().map(|u| u.password_hash.clone());
    if !passwords::verify_password(password, stored_hash).await? {
        tracing::info!(address = %client.address, "failed sign-in");
        if let Some(user) = &found {
            audit::record(&state.db, user.id, SecurityEventKind::SignInFailed, client).await;
        }
        let failure = attempt.failed().await;
        return Err(answer_wrong_guess(
            state,
            found.as_ref(),
            client,
            failure,
            AppError::InvalidCredentials,
        )
        .await);
    }
    let Some(user) = found else { return Err(AppError::InvalidCredentials) };
    // Said only to whoever knows the password: it tells nothing to a guesser.
    if credentials::must_choose_new_password(&state.db, user.id).await? {
        attempt.release().await;
        return Err(AppError::Rejected(MUST_CHOOSE_NEW_PASSWORD.into()));
    }
    // A browser remembered at an earlier second step skips it (and is marked used).
    let second_factor_needed = has_two_factor(&state.db, user.id).await?
        && !remembered_devices::recognised(state, user.id, client.remembered.as_deref()).await?;
    if second_factor_needed {
        // The password's counts are cleared only when the whole sign-in succeeds.
        attempt.release().await;
        let pending = begin_pending_sign_in(state, &user, client, next).await?;
        tracing::info!(user_id = user.id, "password accepted, waiting for the second factor");
        return Ok((user, SignInOutcome::SecondFactorNeeded(pending)));
    }
    attempt.succeeded().await;
    let token = start_session(state, &user, client, "password").await?;
    Ok((user, SignInOutcome::Session(token)))
}

/// Every finished sign-in (password alone, passkey, second step, new password by link): the
/// session, the security log, the device cookie and, for a device new to the account, the
/// notice. `with` says how, for the log.
pub(super) async fn start_session(
    state: &AppState,
    user: &user::Model,
    client: &Client,
    with: &str,
) -> Result<String, AppError> {
    let token =
        session_store::start(&state.db, &state.config, user, &client.user_agent, &client.address)
            .await?;
    audit::record(&state.db, user.id, SecurityEventKind::SignedIn, client).await;
    tracing::info!(user_id = user.id, address = %client.address, with, "signed in");
    device_cookies::remember(state, user.id, client.device.as_deref()).await;
    notice_new_device(state, user, &client.user_agent, &client.address).await;
    Ok(token)
}

/// Passkey prompts begun at sign-in ("Sign in with a passkey", "Use a passkey") per client
/// address and minute: each keeps a ceremony in the database for 5 minutes, so a caller
/// must not make them without end.
pub const PASSKEY_CEREMONIES_PER_ADDRESS: crate::backend::throttle::RateLimit =
    crate::backend::throttle::RateLimit::new(
        "passkey-ceremony-client",
        30,
        std::time::Duration::from_secs(60),
    );

/// "Sign in with a passkey", begun: the options for the browser's prompt.
pub async fn begin_passkey_sign_in(
    state: &AppState,
    client: &Client,
) -> Result<(String, String), AppError> {
    PASSKEY_CEREMONIES_PER_ADDRESS
        .take(&state.db, crate::backend::throttle::Key::address(&client.address))
        .await?;
    crate::backend::passkeys::begin_discoverable(state).await
}

/// "Use a passkey" at the second step, begun: the options for the passkeys of the account
/// whose password was just accepted.
pub async fn begin_passkey_second_step(
    state: &AppState,
    user_id: i32,
    client: &Client,
) -> Result<(String, String), AppError> {
    PASSKEY_CEREMONIES_PER_ADDRESS
        .take(&state.db, crate::backend::throttle::Key::address(&client.address))
        .await?;
    crate::backend::passkeys::begin_assertion(state, user_id).await
}

/// "Sign in with a passkey", finished: the passkey names the account, and its user
/// verification (fingerprint, face, PIN) is the second factor, so a session starts. A
/// secured account still waits for its new password.
pub async fn sign_in_with_passkey(
    state: &AppState,
    ceremony: &str,
    answer: &str,
    client: &Client,
) -> Result<String, AppError> {
    let used = crate::backend::passkeys::finish_discoverable(state, ceremony, answer).await?;
    let user = crate::backend::users::load_user(&state.db, used.user_id).await?;
    if credentials::must_choose_new_password(&state.db, user.id).await? {
        return Err(AppError::Rejected(MUST_CHOOSE_NEW_PASSWORD.into()));
    }
    start_session(state, &user, client, "passkey").await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    const BASE: &str = "https://kayse.example.com";

    #[test]
    fn only_paths_on_this_site_are_followed_after_sign_in() {
        let next = |n: &str| safe_next(BASE, Some(n));
        assert_eq!(next("/settings/profile"), "/settings/profile");
        assert_eq!(next("/cases/12?tab=tasks#notes"), "/cases/12?tab=tasks#notes");
        for evil in [
            "//evil.example/x",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/api/sign_in123",
            "",
        ] {
            assert_eq!(next(evil), "/", "{evil:?}");
        }
        assert_eq!(safe_next(BASE, None), "/");
    }

    #[test]
    fn control_characters_never_reach_the_location_header() {
        for odd in ["/\u{1}x", "/a\u{7f}b", "/%01", "/caf\u{e9}", "/a b"] {
            let path = safe_next(BASE, Some(odd));
            assert!(http::HeaderValue::from_str(&path).is_ok(), "{odd:?} gave {path:?}");
            assert!(path.starts_with('/') && !path.starts_with("//"), "{path}");
        }
    }
}
