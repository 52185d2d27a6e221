//! The Sessions tab's server side: listing a user's live sessions with their devices, and
//! ending them.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::api::{SessionList, SessionView};
use crate::backend::AppState;
use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::display::{describe_user_agent, format_in_timezone, relative_time};
use crate::backend::entities::session;
use crate::backend::live::LiveEvent;
use crate::backend::reauth::require_recent_password;
use crate::backend::scope;
use crate::backend::session_store::{self, SignedIn};
use crate::error::AppError;

pub async fn list(state: &AppState, me: &SignedIn) -> Result<SessionList, AppError> {
    let user = &me.user;
    let now = Utc::now();
    let rows: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::UserId.eq(me.user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|row| crate::backend::company_policy::is_live(&state.config, row, now))
        .collect();
    let company_ids: Vec<i32> = rows.iter().filter_map(|r| r.company_id).collect();
    let companies = scope::company_names(&state.db, company_ids).await?;
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
    let password_fresh = me.password_recently_confirmed();
    Ok(SessionList { sessions, password_fresh })
}

/// Ends one of the user's other sessions. Another user's session id is "not found".
pub async fn end_one(
    state: &AppState,
    me: &SignedIn,
    session_id: i32,
    password: Option<String>,
) -> Result<(), AppError> {
    let target = session::Entity::find_by_id(session_id)
        .filter(session::Column::UserId.eq(me.user_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.id == me.session_id {
        return Err(AppError::Rejected(
            "To end this session, use Sign out in the avatar menu.".into(),
        ));
    }
    require_recent_password(state, me, password).await?;
    session_store::end(&state.db, target.id).await?;
    state.live.publish(LiveEvent::SessionsEnded(vec![target.id]));
    record(&state.db, me.user_id, SecurityEventKind::SessionEnded, &Client::of_request()).await;
    tracing::info!(user_id = me.user_id, ended = target.id, "session ended by its user");
    Ok(())
}

/// Ends every session of the user except the current one; returns how many ended.
pub async fn end_others(
    state: &AppState,
    me: &SignedIn,
    password: Option<String>,
) -> Result<u64, AppError> {
    require_recent_password(state, me, password).await?;
    let ended = session_store::end_other_sessions(state, me).await?;
    let client = Client::of_request();
    record(&state.db, me.user_id, SecurityEventKind::OtherSessionsEnded, &client).await;
    Ok(ended)
}
