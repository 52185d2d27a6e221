//! Remembered devices: at the second step of signing in, "Remember this device for 30 days"
//! gives the browser a random token in a cookie of its own (only its hash is stored, bound
//! to the account). A sign-in with the right password from that browser then skips the
//! second factor until the 30 days are over, unless the device was forgotten: by the person
//! (Security tab), by a password change or reset, by turning 2FA off, or by securing the
//! account. The server setting `security.allow_remembered_devices` turns it all off, and a
//! company's policy ("Allow remembered devices") turns it off for its people.
//!
//! Unlike the device cookie of `device_cookies` (which only softens guessing limits), this
//! token stands in for a second factor, so it is short-lived, never renewed by use, and
//! `SameSite=Strict`: only the sign-in itself, a same-site request, needs it.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::audit::Client;
use super::entities::remembered_device;
use super::state::{AppState, RuntimeConfig};
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

pub const COOKIE_NAME: &str = "kayse_remembered_device";
/// Its name whenever cookies are Secure (see the session cookie).
pub const SECURE_COOKIE_NAME: &str = "__Host-kayse_remembered_device";
/// How long a device stays remembered; using it does not extend it.
pub const LIFETIME: chrono::Duration = chrono::Duration::days(30);

fn cookie_name(config: &RuntimeConfig) -> &'static str {
    if config.secure_cookies { SECURE_COOKIE_NAME } else { COOKIE_NAME }
}

/// The remembered-device token this request carries, if any. A value counts only when the
/// server stored its hash for the account signing in, so a forged cookie is inert.
pub fn presented() -> Option<String> {
    super::request::cookie(SECURE_COOKIE_NAME).or_else(|| super::request::cookie(COOKIE_NAME))
}

/// Whether `token` remembers this browser for the account (stored for it, not expired, and
/// remembering allowed). Marks the device used. One statement, so it costs a sign-in one
/// query whether or not the browser is remembered.
pub async fn recognised(
    state: &AppState,
    user_id: i32,
    token: Option<&str>,
) -> Result<bool, AppError> {
    let Some(token) = token else { return Ok(false) };
    // The server, and every company of the person, must allow it.
    if !super::company_policy::remembered_devices_allowed(&state.db, &state.config, user_id).await?
    {
        return Ok(false);
    }
    let now = Utc::now();
    let used = remembered_device::Entity::update_many()
        .col_expr(remembered_device::Column::LastUsedAt, Expr::value(now))
        .filter(remembered_device::Column::UserId.eq(user_id))
        .filter(remembered_device::Column::TokenHash.eq(hash_token(token)))
        .filter(remembered_device::Column::ExpiresAt.gt(now))
        .exec(&state.db)
        .await?;
    Ok(used.rows_affected == 1)
}

/// Remembers the requesting browser for the account for 30 days and returns the cookie that
/// carries its token. A token this browser held for the account before is replaced, and the
/// account's expired devices are cleared while here.
pub async fn remember(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
    client: &Client,
) -> Result<String, AppError> {
    let now = Utc::now();
    let mut stale = Condition::any().add(remembered_device::Column::ExpiresAt.lte(now));
    if let Some(previous) = client.remembered.as_deref() {
        stale = stale.add(remembered_device::Column::TokenHash.eq(hash_token(previous)));
    }
    remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::UserId.eq(user_id))
        .filter(stale)
        .exec(db)
        .await?;
    let token = new_token();
    remembered_device::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        user_agent: Set(client.user_agent.chars().take(512).collect()),
        client_address: Set(client.address.clone()),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + LIFETIME),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(cookie_value(config, &token))
}

/// The cookie of a remembered device: `HttpOnly`, `SameSite=Strict`, 30 days.
pub fn cookie_value(config: &RuntimeConfig, token: &str) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        cookie_name(config),
        LIFETIME.num_seconds(),
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

/// The account's remembered devices that still work, the most recently used first.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<remembered_device::Model>, AppError> {
    Ok(remembered_device::Entity::find()
        .filter(remembered_device::Column::UserId.eq(user_id))
        .filter(remembered_device::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(remembered_device::Column::LastUsedAt)
        .order_by_desc(remembered_device::Column::Id)
        .all(db)
        .await?)
}

/// Whether `device` is the one the requesting browser holds the token of.
pub fn is_this_browser(device: &remembered_device::Model, presented: Option<&str>) -> bool {
    presented.is_some_and(|token| hash_token(token) == device.token_hash)
}

/// "Forget": the device asks for the second factor again. False when the account has no
/// such device (another account's id included).
pub async fn forget(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<bool, AppError> {
    let deleted = remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::UserId.eq(user_id))
        .filter(remembered_device::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// "Forget all", and what a password change, a reset, turning 2FA off and securing the
/// account do: every device of the account asks for the second factor again.
pub async fn forget_all(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, AppError> {
    let deleted = remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Devices whose 30 days are over, of every account (the cleanup job).
pub async fn delete_expired(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    let deleted = remembered_device::Entity::delete_many()
        .filter(remembered_device::Column::ExpiresAt.lte(Utc::now()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
