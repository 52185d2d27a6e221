//! Device cookies, as OWASP describes them against lock-out: a successful sign-in leaves
//! the browser a random token, listed (hashed) for the account. Guesses from a browser
//! holding a listed token are limited on their own, so failures elsewhere (an attacker who
//! knows a staff email) cannot keep the person out of a browser they signed in with before.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::device_cookie;
use super::state::{AppState, RuntimeConfig};
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

pub const COOKIE_NAME: &str = "kayse_device";
/// Its name whenever cookies are Secure (see the session cookie).
pub const SECURE_COOKIE_NAME: &str = "__Host-kayse_device";
/// A browser unused this long for the account is forgotten.
const LIFETIME_DAYS: i64 = 365;

fn cookie_name(config: &RuntimeConfig) -> &'static str {
    if config.secure_cookies { SECURE_COOKIE_NAME } else { COOKIE_NAME }
}

/// The device token this request carries, if any. Either name is read: a value counts
/// only if the server listed it for the account, so a cookie set by anyone else is inert.
pub fn presented() -> Option<String> {
    super::request::cookie(SECURE_COOKIE_NAME).or_else(|| super::request::cookie(COOKIE_NAME))
}

/// The hash of `token` when this browser signed in to the account before.
pub async fn listed_for(
    state: &AppState,
    user_id: i32,
    token: Option<&str>,
) -> Result<Option<String>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let hash = hash_token(token);
    let found = device_cookie::Entity::find()
        .filter(device_cookie::Column::UserId.eq(user_id))
        .filter(device_cookie::Column::TokenHash.eq(hash.as_str()))
        .filter(device_cookie::Column::LastUsedAt.gt(Utc::now() - lifetime()))
        .one(&state.db)
        .await?;
    Ok(found.map(|_| hash))
}

fn lifetime() -> chrono::Duration {
    chrono::Duration::days(LIFETIME_DAYS)
}

/// After a successful sign-in: lists this browser for the account (giving it a token if it
/// has none) and renews the cookie. A failure is logged: it must not stop the sign-in.
pub async fn remember(state: &AppState, user_id: i32, presented: Option<&str>) {
    if let Err(err) = try_remember(state, user_id, presented).await {
        tracing::warn!(?err, "could not remember the sign-in device");
    }
}

async fn try_remember(
    state: &AppState,
    user_id: i32,
    presented: Option<&str>,
) -> Result<(), AppError> {
    let token = presented.map_or_else(new_token, str::to_owned);
    let hash = hash_token(&token);
    let now = Utc::now();
    let touched = device_cookie::Entity::update_many()
        .col_expr(device_cookie::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(device_cookie::Column::UserId.eq(user_id))
        .filter(device_cookie::Column::TokenHash.eq(hash.as_str()))
        .exec(&state.db)
        .await?;
    if touched.rows_affected == 0 {
        device_cookie::Entity::delete_many()
            .filter(device_cookie::Column::UserId.eq(user_id))
            .filter(device_cookie::Column::LastUsedAt.lt(now - lifetime()))
            .exec(&state.db)
            .await?;
        // Two sign-ins racing in one browser: the unique index keeps one row, which is enough.
        let _ = device_cookie::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(hash),
            created_at: Set(now),
            last_used_at: Set(now),
            ..Default::default()
        }
        .insert(&state.db)
        .await;
    }
    super::request::set_response_header(
        http::header::SET_COOKIE,
        &super::session_store::lax_cookie(
            &state.config,
            cookie_name(&state.config),
            &token,
            lifetime().num_seconds(),
        ),
    )
}
