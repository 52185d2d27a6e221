//! Guesses at an account's secrets (password, second factor): which limiter keys count
//! them, and what a lock-out sets off. Shared by signing in, its second step and every
//! re-authentication prompt, so each counts the same way.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::audit::{self, Client, SecurityEventKind};
use super::display::format_in_timezone;
use super::entities::{security_event, user};
use super::mail::messages;
use super::state::AppState;
use super::throttle::{Failure, Key, address_block};
use crate::error::AppError;

/// The longest email address there is (RFC 5321): anything longer is refused before it
/// reaches a limiter, a query or a hash.
pub const MAX_EMAIL_BYTES: usize = 254;

/// The keys a guess at `email`'s secrets counts against. From a browser the account signed
/// in with before (`known_device`: its device cookie's hash), only that browser's own count
/// and its address's. From anywhere else, also the account-wide count for unknown clients
/// and the count of this account from this address.
pub fn account_keys(email: &str, client: &Client, known_device: Option<&str>) -> Vec<Key> {
    let address = Key::address(&client.address);
    match known_device {
        Some(device) => vec![Key::account_client(email, &format!("device {device}")), address],
        None => vec![
            Key::account(email),
            Key::account_client(email, &format!("address {}", address_block(&client.address))),
            address,
        ],
    }
}

/// The answer to a wrong guess. A lock-out that keeps the owner out somewhere is a
/// security event, and the owner gets an email once per episode (none if one was sent in
/// the last hour).
pub async fn answer_wrong_guess(
    state: &AppState,
    user: Option<&user::Model>,
    client: &Client,
    failure: Failure,
    wrong: AppError,
) -> AppError {
    if let (true, Some(user)) = (failure.began_account_lock_out, user) {
        report_lock_out(state, user, client).await;
    }
    // The guess was checked, so it gets its true answer; the lock it may have begun shows
    // on the next attempt, as "Try again in …".
    wrong
}

async fn report_lock_out(state: &AppState, user: &user::Model, client: &Client) {
    let recent = security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(user.id))
        .filter(security_event::Column::Kind.eq(SecurityEventKind::SignInLockedOut.name()))
        .filter(security_event::Column::CreatedAt.gt(Utc::now() - chrono::Duration::hours(1)))
        .count(&state.db)
        .await
        .unwrap_or(0);
    audit::record(&state.db, user.id, SecurityEventKind::SignInLockedOut, client).await;
    tracing::warn!(user_id = user.id, address = %client.address, "sign-in paused after repeated failures");
    if recent > 0 {
        return;
    }
    let when = format_in_timezone(Utc::now(), &user.timezone);
    let email = messages::sign_in_paused(&state.config, user, &when, &client.address);
    if let Err(err) = state.mailer.send(email).await {
        tracing::warn!(?err, "could not send a lock-out notice");
    }
}
