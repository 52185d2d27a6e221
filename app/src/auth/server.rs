//! The password step of signing in: credentials checked under the guessing limits, then a
//! session, or for an account with 2FA a half-finished sign-in waiting for the second step.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::backend::audit::{self, Client, SecurityEventKind};
use crate::backend::entities::user;
use crate::backend::throttle::Key;
use crate::backend::{AppState, passwords, session_store};
use crate::error::AppError;
use crate::security::second_factor::has_two_factor;

use super::new_device::notice_new_device;
use super::second_step::begin_pending_sign_in;

/// Where to go after signing in: only a path on this site, never `//evil.example`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/api/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// What a correct password leads to.
pub enum SignInOutcome {
    /// Signed in: the new session's cookie token.
    Session(String),
    /// The account has 2FA: the token of the half-finished sign-in, for its own cookie.
    SecondFactorNeeded(String),
}

/// Checks credentials under the per-account and per-address limits and starts a session,
/// or, for an account with 2FA, a half-finished sign-in waiting for the second factor.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &Client,
    next: &str,
) -> Result<(user::Model, SignInOutcome), AppError> {
    let email = email.trim().to_lowercase();
    let keys = [Key::Account(email.clone()), Key::Address(client.address.clone())];
    state
        .password_throttle
        .check(&keys)
        .map_err(|retry_after_seconds| AppError::RateLimited { retry_after_seconds })?;

    let found =
        user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db).await?;
    let stored_hash = found.as_ref().map(|u| u.password_hash.clone());
    if !passwords::verify_password(password, stored_hash).await? {
        tracing::info!(address = %client.address, "failed sign-in");
        if let Some(user) = &found {
            audit::record(&state.db, user.id, SecurityEventKind::SignInFailed, client).await;
        }
        return Err(match state.password_throttle.record_failure(&keys) {
            Some(retry_after_seconds) => AppError::RateLimited { retry_after_seconds },
            None => AppError::InvalidCredentials,
        });
    }
    let Some(user) = found else { return Err(AppError::InvalidCredentials) };
    if has_two_factor(&state.db, user.id).await? {
        // The password's guess counter is cleared only when the whole sign-in succeeds.
        let pending = begin_pending_sign_in(state, &user, client, next).await?;
        tracing::info!(user_id = user.id, "password accepted, waiting for the second factor");
        return Ok((user, SignInOutcome::SecondFactorNeeded(pending)));
    }
    state.password_throttle.forget(&keys[0]);
    let token =
        session_store::start(&state.db, &state.config, &user, &client.user_agent, &client.address)
            .await?;
    audit::record(&state.db, user.id, SecurityEventKind::SignedIn, client).await;
    tracing::info!(user_id = user.id, address = %client.address, "signed in");
    notice_new_device(state, &user, &client.user_agent, &client.address).await;
    Ok((user, SignInOutcome::Session(token)))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/settings/profile")), "/settings/profile");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
