//! The live channel's hub: events the server pushes to open pages (a session ended, the
//! notifications changed) over server-sent events at `/live`.
//!
//! One instance (SQLite) tells its own pages directly. Several instances on PostgreSQL
//! relay every event through the database: it is written to `live_events`, its id alone
//! goes out with `NOTIFY`, and each instance's one `LISTEN` connection reads the row and
//! tells that instance's pages. A page connected to instance A so hears of a sign-out or
//! a notification that happened on instance B.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, Statement,
};
use tokio::sync::{broadcast, mpsc};

use super::entities::live_event;
use super::session_cache::SessionCache;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// These sessions were ended: their open pages go to the sign-in page.
    SessionsEnded(Vec<i32>),
    /// This person's notifications changed (a new one, or some were read): their open
    /// pages refresh the bell and the unread counts.
    NotificationsChanged { user_id: i32 },
    /// This person's row, or one of their sessions' rows, changed (profile, email,
    /// password, a new token, another company): what was read of them is out of date.
    AccountChanged { user_id: i32 },
    /// A company of this person changed what it asks of them or lets them do (their role,
    /// its security policy, their membership): their cached sessions are dropped, like
    /// `AccountChanged`, and their open pages reload the top bar (the Company settings
    /// link, the 2FA banner, the idle timeout). Not sent for the person's own changes,
    /// which the page asking already shows; a token rotated by one of them would race the
    /// reload.
    CompaniesChanged { user_id: i32 },
}

impl LiveEvent {
    const SESSIONS_ENDED: &str = "sessions-ended";
    const NOTIFICATIONS_CHANGED: &str = "notifications-changed";
    const ACCOUNT_CHANGED: &str = "account-changed";
    const COMPANIES_CHANGED: &str = "companies-changed";

    /// Its `live_events` row: a kind and the ids it concerns.
    fn to_row(&self) -> (&'static str, String) {
        match self {
            LiveEvent::SessionsEnded(ids) => {
                (Self::SESSIONS_ENDED, ids.iter().map(i32::to_string).collect::<Vec<_>>().join(","))
            }
            LiveEvent::NotificationsChanged { user_id } => {
                (Self::NOTIFICATIONS_CHANGED, user_id.to_string())
            }
            LiveEvent::AccountChanged { user_id } => (Self::ACCOUNT_CHANGED, user_id.to_string()),
            LiveEvent::CompaniesChanged { user_id } => {
                (Self::COMPANIES_CHANGED, user_id.to_string())
            }
        }
    }

    fn from_row(kind: &str, subjects: &str) -> Option<LiveEvent> {
        let ids: Vec<i32> = subjects
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        match kind {
            Self::SESSIONS_ENDED => Some(LiveEvent::SessionsEnded(ids)),
            Self::NOTIFICATIONS_CHANGED => {
                ids.first().map(|&user_id| LiveEvent::NotificationsChanged { user_id })
            }
            Self::ACCOUNT_CHANGED => {
                ids.first().map(|&user_id| LiveEvent::AccountChanged { user_id })
            }
            Self::COMPANIES_CHANGED => {
                ids.first().map(|&user_id| LiveEvent::CompaniesChanged { user_id })
            }
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<LiveEvent>,
    /// The sessions with an open page here, and how many pages each: one periodic query
    /// re-checks them all (see `server::live`), not one query per page.
    watched: Arc<Mutex<HashMap<i32, usize>>>,
    /// With several instances: where events go to be relayed to every instance.
    relay: Option<mpsc::UnboundedSender<LiveEvent>>,
    /// The sessions read without a query, which every event about sessions or people
    /// updates before anyone else hears of it.
    sessions: SessionCache,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(SessionCache::disabled())
    }
}

/// An open page's claim on its session being re-checked; dropped when the page goes.
pub struct Watch {
    watched: Arc<Mutex<HashMap<i32, usize>>>,
    session_id: i32,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watched = self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = watched.get_mut(&self.session_id) {
            *count -= 1;
            if *count == 0 {
                watched.remove(&self.session_id);
            }
        }
    }
}

impl LiveHub {
    pub fn new(sessions: SessionCache) -> Self {
        // A page that falls this far behind re-checks its session in the database instead.
        let (sender, _) = broadcast::channel(256);
        LiveHub { sender, watched: Arc::default(), relay: None, sessions }
    }

    /// Forgets the cached sessions an event makes out of date.
    fn update_cache(&self, event: &LiveEvent) {
        match event {
            LiveEvent::SessionsEnded(ids) => self.sessions.forget_sessions(ids),
            LiveEvent::AccountChanged { user_id } | LiveEvent::CompaniesChanged { user_id } => {
                self.sessions.forget_user(*user_id)
            }
            LiveEvent::NotificationsChanged { .. } => {}
        }
    }

    /// Tells every instance's open pages (through the relay when there is one). This
    /// instance's session cache is updated before this returns.
    pub fn publish(&self, event: LiveEvent) {
        self.update_cache(&event);
        match &self.relay {
            Some(relay) => {
                if let Err(unsent) = relay.send(event) {
                    // The relay stopped (the server is shutting down): this instance's
                    // pages at least.
                    self.publish_here(unsent.0);
                }
            }
            None => self.publish_here(event),
        }
    }

    /// Tells this instance's open pages only.
    pub fn publish_here(&self, event: LiveEvent) {
        self.update_cache(&event);
        // No open page is listening: nothing to do.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// Registers an open page of `session_id` for the periodic re-check.
    pub fn watch(&self, session_id: i32) -> Watch {
        let mut watched = self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *watched.entry(session_id).or_insert(0) += 1;
        Watch { watched: self.watched.clone(), session_id }
    }

    /// The sessions that have an open page here now.
    pub fn watched_sessions(&self) -> Vec<i32> {
        let watched = self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        watched.keys().copied().collect()
    }
}

/// The PostgreSQL channel the instances announce live events on.
pub const CHANNEL: &str = "kayse_live";

/// How long relayed events are kept: long enough for an instance whose listening
/// connection dropped to catch up when it reconnects.
pub const KEEP_EVENTS_MS: i64 = 60 * 60 * 1000;

/// A hub whose events go through the database to every instance (PostgreSQL): starts the
/// relay's two tasks, one writing and announcing this instance's events, one listening
/// for every instance's and telling this instance's pages.
pub async fn relayed_hub(db: &DatabaseConnection) -> Result<LiveHub, AppError> {
    let (relay, outgoing) = mpsc::unbounded_channel();
    let hub = LiveHub { relay: Some(relay), ..LiveHub::default() };
    let mut listener =
        sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool())
            .await
            .map_err(|err| AppError::internal("listening for live events", err))?;
    listener.listen(CHANNEL).await.map_err(|err| AppError::internal("LISTEN", err))?;
    // Events before this instance started are not for its pages.
    let newest = live_event::Entity::find()
        .order_by_desc(live_event::Column::Id)
        .one(db)
        .await?
        .map_or(0, |row| row.id);
    tokio::spawn(announce(db.clone(), hub.clone(), outgoing));
    tokio::spawn(listen(db.clone(), hub.clone(), listener, newest));
    Ok(hub)
}

/// Writes each event and announces its id. An event that cannot be written still reaches
/// this instance's pages (the others then learn of an ended session from their re-check).
async fn announce(
    db: DatabaseConnection,
    hub: LiveHub,
    mut outgoing: mpsc::UnboundedReceiver<LiveEvent>,
) {
    while let Some(event) = outgoing.recv().await {
        let (kind, subjects) = event.to_row();
        let written = async {
            let row = live_event::ActiveModel {
                kind: Set(kind.to_owned()),
                subjects: Set(subjects),
                created_at_ms: Set(super::throttle::now_ms()),
                ..Default::default()
            }
            .insert(&db)
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), row.id.to_string().into()],
            ))
            .await?;
            Ok::<_, sea_orm::DbErr>(())
        };
        if let Err(err) = written.await {
            tracing::warn!(?err, "could not relay a live event; telling this instance only");
            hub.publish_here(event);
        }
    }
}

/// Tells this instance's pages of every event announced, in order. Each announcement
/// makes it read all events after the last it handled, so one missed while the
/// connection was re-established is caught up with the next.
async fn listen(
    db: DatabaseConnection,
    hub: LiveHub,
    mut listener: sea_orm::sqlx::postgres::PgListener,
    mut last: i64,
) {
    loop {
        match listener.recv().await {
            Ok(_) => {}
            Err(err) => {
                // sqlx reconnects on the next call; wait a moment so a database that is
                // down is not hammered.
                tracing::warn!(?err, "the live events connection failed; reconnecting");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        }
        let rows = live_event::Entity::find()
            .filter(live_event::Column::Id.gt(last))
            .order_by_asc(live_event::Column::Id)
            .all(&db)
            .await;
        match rows {
            Ok(rows) => {
                for row in rows {
                    last = last.max(row.id);
                    if let Some(event) = LiveEvent::from_row(&row.kind, &row.subjects) {
                        hub.publish_here(event);
                    }
                }
            }
            Err(err) => tracing::warn!(?err, "could not read live events"),
        }
    }
}

/// Deletes relayed events older than `KEEP_EVENTS_MS`. Returns how many went.
pub async fn delete_old_events(db: &DatabaseConnection) -> Result<u64, AppError> {
    Ok(live_event::Entity::delete_many()
        .filter(live_event::Column::CreatedAtMs.lt(super::throttle::now_ms() - KEEP_EVENTS_MS))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_their_row() {
        for event in [
            LiveEvent::SessionsEnded(vec![3, 17, 4]),
            LiveEvent::SessionsEnded(vec![]),
            LiveEvent::NotificationsChanged { user_id: 42 },
            LiveEvent::AccountChanged { user_id: 7 },
            LiveEvent::CompaniesChanged { user_id: 8 },
        ] {
            let (kind, subjects) = event.to_row();
            assert_eq!(LiveEvent::from_row(kind, &subjects), Some(event));
        }
        assert_eq!(LiveEvent::from_row("sessions-ended", "1,x"), None);
        assert_eq!(LiveEvent::from_row("other", "1"), None);
    }
}
