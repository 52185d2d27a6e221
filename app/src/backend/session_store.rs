//! The session store: a random token in an HttpOnly cookie, only its hash in the `sessions`
//! table. Each row names its device and company, for the Sessions tab.

use chrono::Utc;
use http::HeaderMap;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entities::{email_change, membership, session, user};
use super::session_cache::{CachedSession, SessionCache};
use super::state::RuntimeConfig;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

/// The session cookie's name over plain HTTP (development, tests).
pub const COOKIE_NAME: &str = "kayse_session";
/// Its name whenever cookies are Secure: browsers accept a `__Host-` cookie only from a
/// secure origin, with `Path=/` and no `Domain`, so no subdomain or plain-HTTP page can
/// set or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-kayse_session";

pub fn cookie_name(config: &RuntimeConfig) -> &'static str {
    if config.secure_cookies { SECURE_COOKIE_NAME } else { COOKIE_NAME }
}

/// "Last active" is written at most this often per session, not on every request.
const LAST_SEEN_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// The signed-in user of a request, put into the request's extensions by the session
/// middleware. Server functions read it through `request::signed_in()`.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub session_id: i32,
    pub user_id: i32,
    pub company_id: Option<i32>,
    /// When this session last entered its password, as read with the session row, so a
    /// re-authentication check costs no second query.
    pub password_confirmed_at: chrono::DateTime<Utc>,
    /// The user's row, read with the session in the same query at the start of this
    /// request: what pages and reads show, without loading it again. Checks that must see
    /// the latest row inside a transaction (passwords, two-factor) still load their own.
    pub user: std::sync::Arc<user::Model>,
    /// See `session::Model::sign_in_notice`.
    pub sign_in_notice: Option<String>,
    /// The person's pending login-email change, read at most once while the session is
    /// cached (the Profile tab shows it on every read); every change to it announces
    /// `AccountChanged`, which drops the cached session and this with it.
    pending_email_change: std::sync::Arc<tokio::sync::OnceCell<Option<email_change::Model>>>,
}

impl SignedIn {
    pub fn new(session: &session::Model, user: std::sync::Arc<user::Model>) -> SignedIn {
        SignedIn {
            session_id: session.id,
            user_id: session.user_id,
            company_id: session.company_id,
            password_confirmed_at: session.password_confirmed_at,
            sign_in_notice: session.sign_in_notice.clone(),
            user,
            pending_email_change: Default::default(),
        }
    }

    /// The person's pending login-email change, if any (expired ones included: the
    /// caller decides what an expired one means).
    pub async fn pending_email_change(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Option<email_change::Model>, AppError> {
        let found = self
            .pending_email_change
            .get_or_try_init(|| async {
                email_change::Entity::find()
                    .filter(email_change::Column::UserId.eq(self.user_id))
                    .one(db)
                    .await
            })
            .await?;
        Ok(found.clone())
    }

    /// Whether this session entered its password within the re-authentication window.
    pub fn password_recently_confirmed(&self) -> bool {
        Utc::now() - self.password_confirmed_at < REAUTH_WINDOW
    }
}

/// The company a new session starts in: the last one used if still a member, else the
/// first the user joined.
pub async fn starting_company(
    db: &DatabaseConnection,
    user: &user::Model,
) -> Result<Option<i32>, AppError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let last = user.last_company_id.filter(|id| memberships.iter().any(|m| m.company_id == *id));
    Ok(last.or_else(|| memberships.first().map(|m| m.company_id)))
}

/// Starts a session and returns the token for the cookie (the only place it exists).
pub async fn start(
    db: &DatabaseConnection,
    config: &RuntimeConfig,
    user: &user::Model,
    user_agent: &str,
    client_address: &str,
) -> Result<String, AppError> {
    let token = new_token();
    let now = Utc::now();
    let company_id = starting_company(db, user).await?;
    let (idle_timeout_minutes, max_session_hours) =
        super::company_policy::limits_of(db, company_id).await?;
    // Before this sign-in is itself recorded: the failures since the previous one.
    let sign_in_notice = super::audit::failed_sign_ins_since_last(db, user).await?;
    session::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user.id),
        company_id: Set(company_id),
        user_agent: Set(user_agent.chars().take(512).collect()),
        client_address: Set(client_address.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + config.session_absolute),
        password_confirmed_at: Set(now),
        sign_in_notice: Set(sign_in_notice),
        idle_timeout_minutes: Set(idle_timeout_minutes),
        max_session_hours: Set(max_session_hours),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live session for a cookie token, or `None`. An expired session is deleted on sight.
/// From the session cache when it holds the token (no query at all); otherwise read
/// through `reads` (session and user in one query) and cached. The rare writes (the
/// deletion, "last active" once a minute) go through `db`.
pub async fn resolve(
    reads: &DatabaseConnection,
    db: &DatabaseConnection,
    cache: &SessionCache,
    config: &RuntimeConfig,
    token: &str,
) -> Result<Option<SignedIn>, AppError> {
    let token_hash = hash_token(token);
    let cached = match cache.get(&token_hash) {
        Some(hit) => hit,
        None => {
            let epoch = cache.epoch();
            // One query for the session and its user.
            let Some((row, Some(user))) = session::Entity::find()
                .filter(session::Column::TokenHash.eq(token_hash.as_str()))
                .find_also_related(user::Entity)
                .one(reads)
                .await?
            else {
                return Ok(None);
            };
            let (idle, expires_at) = super::company_policy::session_lifetime(config, &row);
            let found = CachedSession {
                signed_in: SignedIn::new(&row, std::sync::Arc::new(user)),
                expires_at,
                last_seen_at: row.last_seen_at,
                idle,
            };
            cache.store(epoch, token_hash.clone(), found.clone());
            found
        }
    };
    let now = Utc::now();
    let session_id = cached.signed_in.session_id;
    if cached.expires_at <= now || cached.last_seen_at + cached.idle <= now {
        cache.forget_token(&token_hash);
        session::Entity::delete_by_id(session_id).exec(db).await?;
        return Ok(None);
    }
    if now - cached.last_seen_at >= LAST_SEEN_GRANULARITY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(now))
            .filter(session::Column::Id.eq(session_id))
            .exec(db)
            .await?;
        cache.touch(&token_hash, now);
    }
    Ok(Some(cached.signed_in))
}

/// The person is here: the session's "last seen" becomes now (not at the once-a-minute
/// granularity of ordinary requests), in the database and in the cache.
pub async fn keep_alive(
    state: &super::state::AppState,
    me: &SignedIn,
    token: Option<&str>,
) -> Result<(), AppError> {
    let now = Utc::now();
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(now))
        .filter(session::Column::Id.eq(me.session_id))
        .exec(&state.db)
        .await?;
    if let Some(token) = token {
        state.sessions.touch(&hash_token(token), now);
    }
    Ok(())
}

/// The session's note about failed attempts was read: it is not shown again.
pub async fn dismiss_sign_in_notice(
    db: &DatabaseConnection,
    session_id: i32,
) -> Result<(), AppError> {
    session::Entity::update_many()
        .col_expr(session::Column::SignInNotice, sea_orm::sea_query::Expr::value(None::<String>))
        .filter(session::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn end(db: &DatabaseConnection, session_id: i32) -> Result<(), AppError> {
    session::Entity::delete_by_id(session_id).exec(db).await?;
    Ok(())
}

/// Whether the session is still live (not ended, not expired), by id. The live channel
/// asks this now and then, to notice sessions ended by another server instance.
pub async fn is_live(
    db: &DatabaseConnection,
    config: &RuntimeConfig,
    session_id: i32,
) -> Result<bool, AppError> {
    let now = Utc::now();
    Ok(session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .is_some_and(|row| super::company_policy::is_live(config, &row, now)))
}

/// Which of `ids` are still live, in one query (the open pages' periodic re-check).
pub async fn live_among(
    db: &DatabaseConnection,
    config: &RuntimeConfig,
    ids: &[i32],
) -> Result<Vec<i32>, AppError> {
    let now = Utc::now();
    Ok(session::Entity::find()
        .filter(session::Column::Id.is_in(ids.iter().copied()))
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::LastSeenAt.gt(now - config.session_idle))
        .all(db)
        .await?
        .into_iter()
        .filter(|row| super::company_policy::is_live(config, row, now))
        .map(|row| row.id)
        .collect())
}

/// Deletes every session past its absolute or idle lifetime; returns how many. Run by
/// the server's periodic cleanup job (expired sessions already stop working on sight).
pub async fn delete_expired(
    db: &DatabaseConnection,
    config: &RuntimeConfig,
) -> Result<u64, AppError> {
    let now = Utc::now();
    let result = session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(session::Column::ExpiresAt.lte(now))
                .add(session::Column::LastSeenAt.lte(now - config.session_idle)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes every session of the person (inside the caller's transaction) and returns their
/// ids, for `LiveEvent::SessionsEnded` once the transaction is committed.
pub async fn delete_all_sessions(
    txn: &impl sea_orm::ConnectionTrait,
    user_id: i32,
) -> Result<Vec<i32>, AppError> {
    delete_sessions_except(txn, vec![user_id], None).await
}

/// Deletes every session of these people but `except` (inside the caller's transaction, or
/// on its own) and returns their ids, for `LiveEvent::SessionsEnded`.
pub async fn delete_sessions_except(
    db: &impl sea_orm::ConnectionTrait,
    user_ids: Vec<i32>,
    except: Option<i32>,
) -> Result<Vec<i32>, AppError> {
    let mut query = session::Entity::find().filter(session::Column::UserId.is_in(user_ids));
    if let Some(except) = except {
        query = query.filter(session::Column::Id.ne(except));
    }
    let ids: Vec<i32> = query.all(db).await?.into_iter().map(|s| s.id).collect();
    session::Entity::delete_many().filter(session::Column::Id.is_in(ids.clone())).exec(db).await?;
    Ok(ids)
}

/// Ends every session of the user but `me`'s, tells their open pages, and drops a pending
/// login-email change: signing everyone else out is what a person does who fears someone
/// is in, and the change may be that someone's. Returns how many sessions ended.
pub async fn end_other_sessions(
    state: &super::state::AppState,
    me: &SignedIn,
) -> Result<u64, AppError> {
    let others: Vec<i32> = session::Entity::find()
        .filter(session::Column::UserId.eq(me.user_id))
        .filter(session::Column::Id.ne(me.session_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let ended = session::Entity::delete_many()
        .filter(session::Column::Id.is_in(others.clone()))
        .exec(&state.db)
        .await?
        .rows_affected;
    email_change::Entity::delete_many()
        .filter(email_change::Column::UserId.eq(me.user_id))
        .exec(&state.db)
        .await?;
    state.live.publish(super::live::LiveEvent::SessionsEnded(others));
    state.live.publish(super::live::LiveEvent::AccountChanged { user_id: me.user_id });
    tracing::info!(user_id = me.user_id, ended, "other sessions ended by their user");
    Ok(ended)
}

/// How recently the password must have been entered for a sensitive action.
pub const REAUTH_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

pub fn token_from_headers(config: &RuntimeConfig, headers: &HeaderMap) -> Option<String> {
    cookie_token(headers, cookie_name(config))
}

/// A token cookie by name, only when well formed (64 hex characters).
pub fn cookie_token(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie_name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Gives the session a new token (after a password change, so a token copied before the
/// change stops working) and returns it for the cookie.
pub async fn rotate_token(
    db: &impl sea_orm::ConnectionTrait,
    session_id: i32,
) -> Result<String, AppError> {
    let token = new_token();
    session::Entity::update_many()
        .col_expr(session::Column::TokenHash, sea_orm::sea_query::Expr::value(hash_token(&token)))
        .col_expr(session::Column::PasswordConfirmedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(session::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(token)
}

pub fn set_cookie_value(config: &RuntimeConfig, token: &str) -> String {
    lax_cookie(config, cookie_name(config), token, config.session_absolute.num_seconds())
}

/// An `HttpOnly`, `SameSite=Lax` cookie for the whole site, `Secure` when configured: the
/// one format of the session and device cookies.
pub fn lax_cookie(config: &RuntimeConfig, name: &str, value: &str, max_age_seconds: i64) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

pub fn clear_cookie_value(config: &RuntimeConfig) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(config),
        if config.secure_cookies { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secure: bool) -> RuntimeConfig {
        RuntimeConfig {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: secure,
            session_idle: chrono::Duration::days(7),
            session_absolute: chrono::Duration::days(30),
            default_phone_region: "US".into(),
            trusted_proxies: Default::default(),
            forwarded_header: Default::default(),
            allow_remembered_devices: true,
            notification_retention: chrono::Duration::days(180),
        }
    }

    #[test]
    fn the_cookie_is_httponly_lax_and_secure_when_configured() {
        let plain = set_cookie_value(&config(false), "abc");
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure")
        );
        let secure = set_cookie_value(&config(true), "abc");
        assert!(
            secure.starts_with("__Host-kayse_session=abc; Path=/;") && secure.ends_with("; Secure")
        );
        assert!(!secure.contains("Domain"), "a __Host- cookie may not name a domain");
        assert!(clear_cookie_value(&config(true)).starts_with("__Host-kayse_session=;"));
        assert!(clear_cookie_value(&config(false)).contains("Max-Age=0"));
    }

    #[test]
    fn only_a_well_formed_token_is_read_from_the_cookie_header() {
        let token = "a".repeat(64);
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            format!("other=1; {COOKIE_NAME}={token}").parse().unwrap(),
        );
        assert_eq!(token_from_headers(&config(false), &headers), Some(token.clone()));
        assert_eq!(token_from_headers(&config(true), &headers), None, "not the secure name");
        headers.insert(http::header::COOKIE, format!("{COOKIE_NAME}=not-a-token").parse().unwrap());
        assert_eq!(token_from_headers(&config(false), &headers), None);
    }
}
