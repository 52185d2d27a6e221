//! "Forgot password?": a single-use link, by email, to choose a new password.
//!
//! Asking for a link answers the same whether or not the address has an account, and in
//! the same time: the answer is given before the account is even looked up, and the link
//! is made and mailed by a background task. Requests are limited per client address (here,
//! answered "too many requests") and per account (silently: saying so would tell that the
//! account exists). A reset is never a way around 2FA: the caller starts a session only
//! for an account without it, and otherwise sends the person to the second step.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::credentials::{
    cancel_what_the_old_password_started, new_password_chosen, send_security_notice,
};
use crate::backend::entities::{password_reset, user};
use crate::backend::guesses::MAX_EMAIL_BYTES;
use crate::backend::live::LiveEvent;
use crate::backend::mail::messages;
use crate::backend::session_store::delete_all_sessions;
use crate::backend::throttle::{Key, RateLimit};
use crate::backend::tokens::{hash_token, new_token};
use crate::backend::users::load_user;
use crate::backend::{AppState, passwords};
use crate::error::{AppError, FieldError};
use crate::security::{password_policy, rules};

/// How long a link works.
pub const LINK_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);
/// Requests from one client address (IPv6: its /64), whatever the addresses asked for.
pub const PER_CLIENT_ADDRESS: RateLimit =
    RateLimit::new("password-reset-client", 10, std::time::Duration::from_secs(3600));
/// Links mailed to one account.
pub const PER_ACCOUNT: RateLimit =
    RateLimit::new("password-reset-account", 5, std::time::Duration::from_secs(3600));

pub const LINK_EXPIRED: &str =
    "This link has expired or was already used. Ask for a new one from the sign-in page.";

fn link_expired() -> AppError {
    AppError::Rejected(LINK_EXPIRED.into())
}

/// Checks the address as typed, limits the client, and hands the rest to a background
/// task. `Ok` says nothing about whether the address has an account.
pub async fn request_link(state: &AppState, email: &str, client: &Client) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::field("email", "Enter your email address."));
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::field("email", "That email address is too long."));
    }
    if !email.contains('@') {
        return Err(AppError::field("email", "Enter an email address like name@firm.com."));
    }
    PER_CLIENT_ADDRESS.take(&state.db, Key::address(&client.address)).await?;
    let (state, client) = (state.clone(), client.clone());
    tokio::spawn(async move {
        if let Err(err) = mail_link(&state, &email, &client).await {
            tracing::warn!(?err, "could not send a password reset link");
        }
    });
    Ok(())
}

/// Makes a link for the account with this email, if there is one and it has not had too
/// many, and mails it.
async fn mail_link(state: &AppState, email: &str, client: &Client) -> Result<(), AppError> {
    let Some(person) =
        user::Entity::find().filter(user::Column::Email.eq(email)).one(&state.db).await?
    else {
        tracing::info!(address = %client.address, "password reset asked for an address without an account");
        return Ok(());
    };
    if let Err(AppError::RateLimited { .. }) =
        PER_ACCOUNT.take(&state.db, Key::account(email)).await
    {
        tracing::info!(user_id = person.id, "password reset link not sent: too many asked for");
        return Ok(());
    }
    let token = new_token();
    let now = Utc::now();
    password_reset::ActiveModel {
        user_id: Set(person.id),
        token_hash: Set(hash_token(&token)),
        requested_from: Set(client.address.clone()),
        created_at: Set(now),
        expires_at: Set(now + LINK_LIFETIME),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    tracing::info!(user_id = person.id, "password reset link made");
    state.mailer.send(messages::password_reset_link(&state.config, &person, &token)).await
}

/// The link's row while it still works.
async fn live_link(state: &AppState, token: &str) -> Result<password_reset::Model, AppError> {
    password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(hash_token(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(Utc::now()))
        .one(&state.db)
        .await?
        .ok_or_else(link_expired)
}

/// Whether a link still works (the page says so before anything is typed).
pub async fn check_link(state: &AppState, token: &str) -> Result<(), AppError> {
    live_link(state, token).await.map(|_| ())
}

/// Sets the new password with a link, which then stops working, as does every other link
/// of the account. Every session ends, pending email changes and half-finished sign-ins are
/// cancelled, and the account's email is told. Returns the account.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: String,
    confirm_password: &str,
    client: &Client,
) -> Result<user::Model, AppError> {
    let link = live_link(state, token).await?;
    let person = load_user(&state.db, link.user_id).await?;
    if let Some(problem) = password_policy::problem(&new_password, &person.email, &person.full_name)
    {
        return Err(AppError::Invalid {
            fields: vec![FieldError { field: "new_password".into(), message: problem.into() }],
        });
    }
    if confirm_password != new_password {
        return Err(AppError::Invalid {
            fields: vec![FieldError {
                field: "confirm_password".into(),
                message: rules::MISMATCH.into(),
            }],
        });
    }
    let new_hash = passwords::hash_password(new_password).await?;

    let now = Utc::now();
    let txn = state.db.begin().await?;
    // The claim: of any number of requests with this link, one finds it unused.
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::Id.eq(link.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(link_expired());
    }
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    cancel_what_the_old_password_started(&txn, person.id).await?;
    new_password_chosen(&txn, person.id).await?;
    let ended = delete_all_sessions(&txn, person.id).await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id: person.id });
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended.clone()));
    }
    record(&state.db, person.id, SecurityEventKind::PasswordReset, client).await;
    tracing::info!(user_id = person.id, sessions_ended = ended.len(), "password reset with a link");

    let what = "The password of your Kayse account was reset with a link sent to this address, \
         and every session was signed out";
    send_security_notice(state, &person, client, "Your Kayse password was reset", what).await;
    Ok(person)
}
