//! The Sessions tab's server side: listing a user's live sessions with their devices,
//! ending them, and the notice for a sign-in from a new device.


use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::api::{SessionList, SessionView};
use crate::backend::entities::{known_device, session, user};
use crate::backend::live::LiveEvent;
use crate::backend::mail::{Email, simple_html};
use crate::backend::sessions::{self as session_store, SignedIn};
use crate::backend::tokens::sha256_hex;
use crate::backend::AppState;
use crate::error::AppError;
use crate::profile::server::{format_in_timezone, load_user};

#[derive(Debug, PartialEq, Eq)]
pub struct Device {
    pub browser: String,
    pub os: String,
    pub kind: String,
}

/// "Chrome 131", "Mac OSX", "Desktop" from a user-agent header.
pub fn describe_user_agent(user_agent: &str) -> Device {
    let unknown = |s: &str| s.is_empty() || s == "UNKNOWN";
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return Device { browser: "Unknown browser".into(), os: "unknown system".into(), kind: "Unknown device".into() };
    };
    let major = found.version.split('.').next().unwrap_or_default();
    let browser = match (unknown(found.name), unknown(major)) {
        (true, _) => "Unknown browser".to_owned(),
        (false, true) => found.name.to_owned(),
        (false, false) => format!("{} {major}", found.name),
    };
    let os = if unknown(found.os) { "unknown system".to_owned() } else { found.os.to_owned() };
    let kind = match found.category {
        "pc" => "Desktop",
        "smartphone" => "Mobile",
        "mobilephone" => "Mobile phone",
        "appliance" => "Appliance",
        "crawler" => "Automated client",
        _ => "Unknown device",
    };
    Device { browser, os, kind: kind.to_owned() }
}

/// "just now", "3 minutes ago", "2 hours ago", "5 days ago".
pub fn relative_time(now: chrono::DateTime<Utc>, then: chrono::DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (count, unit) = match seconds {
        0..=59 => return "just now".to_owned(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

pub async fn list(state: &AppState, me: &SignedIn) -> Result<SessionList, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    let now = Utc::now();
    let rows: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::UserId.eq(me.user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|row| row.expires_at > now && row.last_seen_at + state.config.session_idle > now)
        .collect();
    let company_ids: Vec<i32> = rows.iter().filter_map(|r| r.company_id).collect();
    let companies = crate::companies::server::names(&state.db, company_ids).await?;
    let mut sessions: Vec<SessionView> = rows
        .into_iter()
        .map(|row| {
            let device = describe_user_agent(&row.user_agent);
            SessionView {
                id: row.id,
                browser: device.browser,
                os: device.os,
                device: device.kind,
                address: row.client_address,
                signed_in: format_in_timezone(row.created_at, &user.timezone),
                last_active: relative_time(now, row.last_seen_at),
                last_active_exact: format_in_timezone(row.last_seen_at, &user.timezone),
                company: row.company_id.and_then(|id| companies.get(&id).cloned()),
                current: row.id == me.session_id,
            }
        })
        .collect();
    // The current session is active right now, whatever its throttled timestamp says.
    if let Some(current) = sessions.iter_mut().find(|s| s.current) {
        current.last_active = "now".to_owned();
    }
    sessions.sort_by_key(|s| !s.current);
    let password_fresh = session_store::password_recently_confirmed(&state.db, me.session_id).await?;
    Ok(SessionList { sessions, password_fresh })
}

/// Sensitive actions need the password from the last 10 minutes: either it was entered
/// recently in this session, or it comes with the request (and then counts as entered).
pub async fn require_recent_password(state: &AppState, me: &SignedIn, password: Option<String>) -> Result<(), AppError> {
    if session_store::password_recently_confirmed(&state.db, me.session_id).await? {
        return Ok(());
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(AppError::ReauthRequired);
    };
    let user = load_user(&state.db, me.user_id).await?;
    crate::auth::server::check_password_for(state, &user, password, "password").await?;
    session_store::mark_password_confirmed(&state.db, me.session_id).await
}

/// Ends one of the user's other sessions. Another user's session id is "not found".
pub async fn end_one(state: &AppState, me: &SignedIn, session_id: i32, password: Option<String>) -> Result<(), AppError> {
    let target = session::Entity::find_by_id(session_id)
        .filter(session::Column::UserId.eq(me.user_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.id == me.session_id {
        return Err(AppError::Rejected("To end this session, use Sign out in the avatar menu.".into()));
    }
    require_recent_password(state, me, password).await?;
    session_store::end(&state.db, target.id).await?;
    state.live.publish(LiveEvent::SessionsEnded(vec![target.id]));
    tracing::info!(user_id = me.user_id, ended = target.id, "session ended by its user");
    Ok(())
}

/// Ends every session of the user except the current one; returns how many ended.
pub async fn end_others(state: &AppState, me: &SignedIn, password: Option<String>) -> Result<u64, AppError> {
    require_recent_password(state, me, password).await?;
    let others: Vec<i32> = session::Entity::find()
        .filter(session::Column::UserId.eq(me.user_id))
        .filter(session::Column::Id.ne(me.session_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(me.user_id))
        .filter(session::Column::Id.ne(me.session_id))
        .exec(&state.db)
        .await?
        .rows_affected;
    state.live.publish(LiveEvent::SessionsEnded(others));
    tracing::info!(user_id = me.user_id, ended, "other sessions ended by their user");
    Ok(ended)
}

/// After a sign-in: if this browser + system + address was never seen for the user,
/// remembers it and tells the account email. Failures are logged, never block sign-in.
pub async fn notice_new_device(state: &AppState, user: &user::Model, user_agent: &str, address: &str) {
    if let Err(err) = try_notice_new_device(state, user, user_agent, address).await {
        tracing::warn!(?err, "could not check for a new sign-in device");
    }
}

async fn try_notice_new_device(state: &AppState, user: &user::Model, user_agent: &str, address: &str) -> Result<(), AppError> {
    let device = describe_user_agent(user_agent);
    let fingerprint = sha256_hex(format!("{}\n{}\n{}", device.browser, device.os, address).as_bytes());
    let known = known_device::Entity::find()
        .filter(known_device::Column::UserId.eq(user.id))
        .filter(known_device::Column::Fingerprint.eq(fingerprint.as_str()))
        .one(&state.db)
        .await?;
    if known.is_some() {
        return Ok(());
    }
    let inserted = known_device::ActiveModel {
        user_id: Set(user.id),
        fingerprint: Set(fingerprint),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await;
    // Two sign-ins racing from the same new device: the unique index lets one through.
    if inserted.is_err() {
        return Ok(());
    }
    let link = format!("{}/settings/sessions", state.config.public_url);
    let when = format_in_timezone(Utc::now(), &user.timezone);
    let paragraphs = vec![
        format!("Hello {},", user.full_name),
        format!("Your Kayse account was just signed in to from a new device: {} on {} ({}), from {address}, on {when}.", device.browser, device.os, device.kind),
        "If this was you, there is nothing to do. If not, sign that session out from your Sessions settings and change your password.".to_owned(),
    ];
    state
        .mailer
        .send(Email {
            to: user.email.clone(),
            subject: "New sign-in to your Kayse account".into(),
            text: format!("{}\n\nYour sessions: {link}\n", paragraphs.join("\n\n")),
            html: simple_html(&paragraphs, Some(("Review your sessions", &link))),
            links: vec![link],
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_become_readable_devices() {
        let chrome = describe_user_agent(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        );
        assert_eq!(chrome.browser, "Chrome 131");
        assert!(chrome.os.starts_with("Windows"), "{}", chrome.os);
        assert_eq!(chrome.kind, "Desktop");
        let iphone = describe_user_agent(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(iphone.browser, "Safari 17");
        assert_eq!(iphone.os, "iPhone");
        assert_eq!(iphone.kind, "Mobile");
        let nothing = describe_user_agent("");
        assert_eq!(nothing.browser, "Unknown browser");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(relative_time(now, now), "just now");
        assert_eq!(relative_time(now, now - chrono::Duration::seconds(61)), "1 minute ago");
        assert_eq!(relative_time(now, now - chrono::Duration::minutes(59)), "59 minutes ago");
        assert_eq!(relative_time(now, now - chrono::Duration::hours(3)), "3 hours ago");
        assert_eq!(relative_time(now, now - chrono::Duration::days(2)), "2 days ago");
        assert_eq!(relative_time(now, now + chrono::Duration::seconds(5)), "just now");
    }
}
