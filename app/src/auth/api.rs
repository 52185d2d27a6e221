//! The sign-in, second-step, sign-out and "Forgot password?" server functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[server]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::second_step::pending_cookie_value;
    use crate::backend::audit::Client;
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let next = super::server::safe_next(&state.config.public_url, next.as_deref());
    let (_, outcome) =
        super::server::sign_in(&state, &email, password, &Client::of_request(), &next).await?;
    match outcome {
        super::server::SignInOutcome::Session(token) => {
            end_previous_session(&state).await?;
            request::set_response_header(
                http::header::SET_COOKIE,
                &session_store::set_cookie_value(&state.config, &token),
            )?;
            leptos_axum::redirect(&next);
        }
        super::server::SignInOutcome::SecondFactorNeeded(pending) => {
            request::set_response_header(
                http::header::SET_COOKIE,
                &pending_cookie_value(&state.config, &pending),
            )?;
            leptos_axum::redirect("/sign-in/verify");
        }
    }
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::audit::{Client, SecurityEventKind, record};
    use crate::backend::{request, session_store};
    let state = request::state()?;
    // Signing out twice, or with an already-ended session, still lands on the sign-in page.
    if let Ok(current) = request::signed_in() {
        session_store::end(&state.db, current.session_id).await?;
        record(&state.db, current.user_id, SecurityEventKind::SignedOut, &Client::of_request())
            .await;
        // Other open tabs of this session go to the sign-in page too.
        state
            .live
            .publish(crate::backend::live::LiveEvent::SessionsEnded(vec![current.session_id]));
    }
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::clear_cookie_value(&state.config),
    )?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInVerified {
    /// Where to go now.
    pub next: String,
    /// Set when a backup code was used: how many are left.
    pub backup_codes_left: Option<usize>,
}

/// The second step of signing in, for an account with 2FA: the code from the app or a
/// backup code, for the half-finished sign-in named by its own cookie. `remember` is the
/// "Remember this device for 30 days" checkbox (sent only when ticked).
#[server]
pub async fn verify_sign_in(
    code: String,
    remember: Option<String>,
) -> Result<SignInVerified, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let pending_token = pending_token(&state)?;
    let done = super::second_step::complete_sign_in(
        &state,
        &pending_token,
        &code,
        remember.is_some(),
        &crate::backend::audit::Client::of_request(),
    )
    .await?;
    signed_in_after_second_step(&state, done).await
}

/// The session cookie of a finished two-step sign-in, the pending cookie cleared, the
/// remembered-device cookie if asked for, and where to go.
#[cfg(feature = "ssr")]
async fn signed_in_after_second_step(
    state: &crate::backend::AppState,
    done: super::second_step::CompletedSignIn,
) -> Result<SignInVerified, AppError> {
    use crate::backend::{request, session_store};
    end_previous_session(state).await?;
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::set_cookie_value(&state.config, &done.session_token),
    )?;
    request::set_response_header(
        http::header::SET_COOKIE,
        &super::second_step::clear_pending_cookie(&state.config),
    )?;
    if let Some(cookie) = &done.remembered_device_cookie {
        request::set_response_header(http::header::SET_COOKIE, cookie)?;
    }
    // With an app code, straight on; a backup-code sign-in first says how many are left.
    if done.backup_codes_left.is_none() {
        leptos_axum::redirect(&done.next);
    }
    Ok(SignInVerified { next: done.next, backup_codes_left: done.backup_codes_left })
}

/// What the second step offers on this server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepOptions {
    /// "Remember this device for 30 days": the setting `security.allow_remembered_devices`,
    /// and none of the person's companies forbids it.
    pub remember_device_allowed: bool,
    /// "Use a passkey": the account signing in has one (and the server can use them).
    pub passkey: bool,
}

/// What the second step offers the half-finished sign-in of this browser (nothing of an
/// account without its pending cookie).
#[server]
pub async fn get_second_step_options() -> Result<SecondStepOptions, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let pending = match request::cookie(super::second_step::pending_cookie_name(&state.config)) {
        Some(token) => super::second_step::find_pending(&state, &token).await.ok(),
        None => None,
    };
    let remember_device_allowed = match &pending {
        Some(pending) => {
            crate::backend::company_policy::remembered_devices_allowed(
                &state.db,
                &state.config,
                pending.user_id,
            )
            .await?
        }
        None => state.config.allow_remembered_devices,
    };
    let passkey = match pending {
        Some(pending) if state.webauthn.is_some() => {
            !crate::backend::passkeys::of_user(&state.db, pending.user_id).await?.is_empty()
        }
        _ => false,
    };
    Ok(SecondStepOptions { remember_device_allowed, passkey })
}

/// "Use a passkey" at the second step: the options for the browser's prompt, for the
/// passkeys of the account signing in.
#[server]
pub async fn begin_passkey_second_step() -> Result<crate::ui::passkeys::PasskeyChallenge, AppError>
{
    use crate::backend::request;
    let state = request::state()?;
    let pending_token = pending_token(&state)?;
    let pending = super::second_step::find_pending(&state, &pending_token).await?;
    let client = crate::backend::audit::Client::of_request();
    let (ceremony, options) =
        super::server::begin_passkey_second_step(&state, pending.user_id, &client).await?;
    Ok(crate::ui::passkeys::PasskeyChallenge { ceremony, options })
}

/// The passkey's answer at the second step (`credential`: its JSON); then as `verify_sign_in`.
#[server]
pub async fn finish_passkey_second_step(
    ceremony: String,
    credential: String,
    remember: Option<String>,
) -> Result<SignInVerified, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let pending_token = pending_token(&state)?;
    let done = super::second_step::complete_with_passkey(
        &state,
        &pending_token,
        &ceremony,
        &credential,
        remember.is_some(),
        &crate::backend::audit::Client::of_request(),
    )
    .await?;
    signed_in_after_second_step(&state, done).await
}

/// "Sign in with a passkey": the options for the browser's prompt (no account named).
#[server]
pub async fn begin_passkey_sign_in() -> Result<crate::ui::passkeys::PasskeyChallenge, AppError> {
    let state = crate::backend::request::state()?;
    let client = crate::backend::audit::Client::of_request();
    let (ceremony, options) = super::server::begin_passkey_sign_in(&state, &client).await?;
    Ok(crate::ui::passkeys::PasskeyChallenge { ceremony, options })
}

/// The passkey's answer: a session for the account it belongs to, then on to `next`.
#[server]
pub async fn finish_passkey_sign_in(
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let next = super::server::safe_next(&state.config.public_url, next.as_deref());
    let token = super::server::sign_in_with_passkey(
        &state,
        &ceremony,
        &credential,
        &crate::backend::audit::Client::of_request(),
    )
    .await?;
    end_previous_session(&state).await?;
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::set_cookie_value(&state.config, &token),
    )?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// "Send reset link": mails a "Forgot password?" link if the address has an account. The
/// answer is the same either way.
#[server]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::backend::{audit::Client, request};
    let state = request::state()?;
    super::reset::request_link(&state, &email, &Client::of_request()).await
}

/// Whether a "Forgot password?" link still works, before anything is typed.
#[server]
pub async fn check_reset_link(token: String) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    super::reset::check_link(&state, &token).await
}

/// "Choose a new password" with a link. Then the person is signed in here, or, with 2FA,
/// sent to the second step: a reset never bypasses the second factor.
#[server]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::second_step::{begin_pending_sign_in, pending_cookie_value};
    use crate::backend::audit::Client;
    use crate::backend::{request, session_store};
    use crate::security::second_factor::has_two_factor;
    let state = request::state()?;
    let client = Client::of_request();
    let person =
        super::reset::reset_password(&state, &token, new_password, &confirm_password, &client)
            .await?;
    end_previous_session(&state).await?;
    if has_two_factor(&state.db, person.id).await? {
        let pending = begin_pending_sign_in(&state, &person, &client, "/").await?;
        request::set_response_header(
            http::header::SET_COOKIE,
            &pending_cookie_value(&state.config, &pending),
        )?;
        leptos_axum::redirect("/sign-in/verify");
        return Ok(());
    }
    let token = super::server::start_session(&state, &person, &client, "password reset").await?;
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::set_cookie_value(&state.config, &token),
    )?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The half-finished sign-in's token from its cookie, for the second step's functions.
#[cfg(feature = "ssr")]
fn pending_token(state: &crate::backend::AppState) -> Result<String, AppError> {
    crate::backend::request::cookie(super::second_step::pending_cookie_name(&state.config))
        .ok_or_else(super::second_step::sign_in_expired)
}

/// Signing in again in a browser that already holds a session ends that session: its
/// cookie is about to be replaced, and a session nobody can reach should not live on.
#[cfg(feature = "ssr")]
async fn end_previous_session(state: &crate::backend::AppState) -> Result<(), AppError> {
    use crate::backend::{request, session_store};
    if let Ok(previous) = request::signed_in() {
        session_store::end(&state.db, previous.session_id).await?;
        state
            .live
            .publish(crate::backend::live::LiveEvent::SessionsEnded(vec![previous.session_id]));
        tracing::info!(
            user_id = previous.user_id,
            ended = previous.session_id,
            "previous session of this browser ended"
        );
    }
    Ok(())
}
