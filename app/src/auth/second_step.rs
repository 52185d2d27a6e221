//! The second step of signing in, for an account with 2FA. After the password, the
//! half-finished sign-in lives in its own short-lived cookie (only its hash is stored); it
//! is not a session, and only the second step accepts it.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::credentials::send_security_notice;
use crate::backend::entities::{pending_sign_in, user};
use crate::backend::guesses::account_keys;
use crate::backend::state::RuntimeConfig;
use crate::backend::tokens::{hash_token, new_token};
use crate::backend::users::load_user;
use crate::backend::{AppState, device_cookies, remembered_devices};
use crate::error::AppError;
use crate::security::second_factor::{SecondFactor, verify_second_factor};

/// The cookie of a half-finished sign-in. Not a session cookie: the session layer never
/// reads it, so it opens nothing but the second step.
pub const PENDING_COOKIE: &str = "kayse_pending_sign_in";
/// Its name when cookies are Secure (see `session_store::SECURE_COOKIE_NAME`).
pub const SECURE_PENDING_COOKIE: &str = "__Host-kayse_pending_sign_in";

pub fn pending_cookie_name(config: &RuntimeConfig) -> &'static str {
    if config.secure_cookies { SECURE_PENDING_COOKIE } else { PENDING_COOKIE }
}
/// A half-finished sign-in expires this long after the password was accepted.
pub const PENDING_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

const SIGN_IN_EXPIRED: &str = "This sign-in has expired. Please sign in again.";

pub fn sign_in_expired() -> AppError {
    AppError::Rejected(SIGN_IN_EXPIRED.into())
}

/// Records a sign-in whose password was right, for an account with 2FA. Returns the token
/// for the pending cookie. No session exists yet.
pub async fn begin_pending_sign_in(
    state: &AppState,
    user: &user::Model,
    client: &Client,
    next: &str,
) -> Result<String, AppError> {
    let token = new_token();
    let now = Utc::now();
    // Old half-finished sign-ins of anyone are of no use: clear them while here.
    pending_sign_in::Entity::delete_many()
        .filter(pending_sign_in::Column::ExpiresAt.lte(now))
        .exec(&state.db)
        .await?;
    pending_sign_in::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user.id),
        user_agent: Set(client.user_agent.chars().take(512).collect()),
        client_address: Set(client.address.clone()),
        next_path: Set(next.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + PENDING_LIFETIME),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(token)
}

pub fn pending_cookie_value(config: &RuntimeConfig, token: &str) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        pending_cookie_name(config),
        PENDING_LIFETIME.num_seconds(),
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

pub fn clear_pending_cookie(config: &RuntimeConfig) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        pending_cookie_name(config),
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

pub struct CompletedSignIn {
    pub session_token: String,
    pub next: String,
    pub backup_codes_left: Option<usize>,
    /// The remembered-device cookie, when "Remember this device for 30 days" was ticked
    /// (and the server allows it).
    pub remembered_device_cookie: Option<String>,
}

/// The half-finished sign-in of this pending token, while it lasts.
pub async fn find_pending(
    state: &AppState,
    pending_token: &str,
) -> Result<pending_sign_in::Model, AppError> {
    pending_sign_in::Entity::find()
        .filter(pending_sign_in::Column::TokenHash.eq(hash_token(pending_token)))
        .one(&state.db)
        .await?
        .filter(|p| p.expires_at > Utc::now())
        .ok_or_else(sign_in_expired)
}

/// Finishes a two-step sign-in with a code from the app or a backup code, and starts the
/// session; with `remember_device`, this browser skips the second step for 30 days.
pub async fn complete_sign_in(
    state: &AppState,
    pending_token: &str,
    code: &str,
    remember_device: bool,
    client: &Client,
) -> Result<CompletedSignIn, AppError> {
    let pending = find_pending(state, pending_token).await?;
    if code.trim().is_empty() {
        return Err(AppError::field("code", "Enter the code from your app, or a backup code."));
    }
    let user = load_user(&state.db, pending.user_id).await.map_err(|_| sign_in_expired())?;
    let factor = verify_second_factor(state, &user, code, client).await?;
    let backup_codes_left = match factor {
        SecondFactor::App => None,
        SecondFactor::BackupCode { left } => Some(left),
    };
    finish(state, pending, &user, remember_device, client, backup_codes_left).await
}

/// "Use a passkey" at the second step: the assertion for the ceremony begun for this
/// half-finished sign-in's account.
pub async fn complete_with_passkey(
    state: &AppState,
    pending_token: &str,
    ceremony: &str,
    answer: &str,
    remember_device: bool,
    client: &Client,
) -> Result<CompletedSignIn, AppError> {
    let pending = find_pending(state, pending_token).await?;
    let user = load_user(&state.db, pending.user_id).await.map_err(|_| sign_in_expired())?;
    crate::backend::passkeys::finish_assertion(state, user.id, ceremony, answer).await?;
    finish(state, pending, &user, remember_device, client, None).await
}

/// The second factor passed: the half-finished sign-in becomes a session.
async fn finish(
    state: &AppState,
    pending: pending_sign_in::Model,
    user: &user::Model,
    remember_device: bool,
    client: &Client,
    backup_codes_left: Option<usize>,
) -> Result<CompletedSignIn, AppError> {
    // Single use: of two simultaneous completions only the one that deletes the row goes on.
    let deleted = pending_sign_in::Entity::delete_by_id(pending.id).exec(&state.db).await?;
    if deleted.rows_affected != 1 {
        return Err(sign_in_expired());
    }
    let known_device = device_cookies::listed_for(state, user.id, client.device.as_deref()).await?;
    state
        .password_throttle
        .forget(&state.db, &account_keys(&user.email, client, known_device.as_deref()))
        .await?;
    let session_token = super::server::start_session(state, user, client, "second factor").await?;
    let remembering_allowed = remember_device
        && crate::backend::company_policy::remembered_devices_allowed(
            &state.db,
            &state.config,
            user.id,
        )
        .await?;
    let remembered_device_cookie =
        if remembering_allowed { remember_this_device(state, user, client).await } else { None };
    Ok(CompletedSignIn {
        session_token,
        remembered_device_cookie,
        next: pending.next_path,
        backup_codes_left,
    })
}

/// Remembers the browser, records it and tells the account email (a device that skips the
/// second factor is a credential). The sign-in has succeeded already: a failure here is
/// logged, and the person is simply asked for a code next time.
async fn remember_this_device(
    state: &AppState,
    user: &user::Model,
    client: &Client,
) -> Option<String> {
    let cookie = match remembered_devices::remember(&state.db, &state.config, user.id, client).await
    {
        Ok(cookie) => cookie,
        Err(err) => {
            tracing::warn!(?err, "could not remember the device");
            return None;
        }
    };
    record(&state.db, user.id, SecurityEventKind::DeviceRemembered, client).await;
    tracing::info!(user_id = user.id, "device remembered for the second step");
    let what = "A browser was remembered for 30 days, so signing in to your Kayse account \
         there skips the two-factor code";
    send_security_notice(
        state,
        user,
        client,
        "A device was remembered for your Kayse account",
        what,
    )
    .await;
    Some(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_cookie_is_strict_and_short_lived() {
        let config = RuntimeConfig {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: true,
            session_idle: chrono::Duration::days(7),
            session_absolute: chrono::Duration::days(30),
            default_phone_region: "US".into(),
            trusted_proxies: Default::default(),
            forwarded_header: Default::default(),
            allow_remembered_devices: true,
            notification_retention: chrono::Duration::days(180),
        };
        let cookie = pending_cookie_value(&config, "abc");
        assert!(cookie.starts_with("__Host-kayse_pending_sign_in=abc;"));
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && cookie.contains("Max-Age=300")
        );
        assert!(cookie.ends_with("; Secure"));
        assert!(clear_pending_cookie(&config).contains("Max-Age=0"));
    }
}
