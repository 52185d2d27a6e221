//! Signed-in requests without a database read: the session and user rows of recently used
//! session tokens, kept in memory by the token's hash.
//!
//! Only where one process serves the database (SQLite): an ended session must stop working
//! on the very next request, and this process then sees every change as it makes it.
//! Everything that ends a session or changes its row or its user's row announces it on the
//! live hub (`LiveEvent::SessionsEnded`, `LiveEvent::AccountChanged`), which forgets the
//! entries concerned before the announcing request answers. Several instances on
//! PostgreSQL would each hear of another's change only after a `NOTIFY` round trip, a
//! window in which a revoked token would still work there; so on PostgreSQL the cache is
//! off and every request reads the rows.
//!
//! Three guards besides: an entry is trusted for `MAX_AGE` at most, so a change made by a
//! path that does not announce itself (none is known) shows within it; a row read while an
//! invalidation ran is not cached (the epoch check); and the cache holds at most
//! `CAPACITY` sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::session_store::SignedIn;

/// How long an entry is trusted without reading the rows again.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// The most sessions kept (a few hundred bytes each).
pub const CAPACITY: usize = 10_000;

/// A session as the cache keeps it: who it is, and what its lifetime checks need.
#[derive(Clone, Debug)]
pub struct CachedSession {
    pub signed_in: SignedIn,
    /// The session's end, whatever its activity: the server's limit or its company's.
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// How long it may sit unused: the server's limit or its company's.
    pub idle: chrono::Duration,
}

struct Entry {
    session: CachedSession,
    stored: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Bumped by every invalidation: a read that began before one is not stored.
    epoch: u64,
}

/// Cheap to clone: clones share one cache.
#[derive(Clone, Default)]
pub struct SessionCache {
    /// `None` when off (PostgreSQL, several instances possible).
    inner: Option<Arc<Mutex<Inner>>>,
}

impl SessionCache {
    pub fn enabled() -> Self {
        SessionCache { inner: Some(Arc::default()) }
    }

    pub fn disabled() -> Self {
        SessionCache { inner: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    fn lock(&self) -> Option<std::sync::MutexGuard<'_, Inner>> {
        self.inner.as_ref().map(|inner| inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The current epoch, taken before reading the rows that `store` may then keep.
    pub fn epoch(&self) -> u64 {
        self.lock().map_or(0, |inner| inner.epoch)
    }

    /// The session of a token hash, when cached within `MAX_AGE`.
    pub fn get(&self, token_hash: &str) -> Option<CachedSession> {
        let mut inner = self.lock()?;
        let fresh = inner.entries.get(token_hash).map(|e| e.stored.elapsed() < MAX_AGE)?;
        if !fresh {
            inner.entries.remove(token_hash);
            return None;
        }
        inner.entries.get(token_hash).map(|e| e.session.clone())
    }

    /// Keeps a session read from the database, unless an invalidation ran since `epoch`.
    pub fn store(&self, epoch: u64, token_hash: String, session: CachedSession) {
        let Some(mut inner) = self.lock() else { return };
        if inner.epoch != epoch {
            return;
        }
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&token_hash) {
            inner.entries.retain(|_, e| e.stored.elapsed() < MAX_AGE);
            if inner.entries.len() >= CAPACITY {
                // Still full of live sessions: start over rather than track an order.
                inner.entries.clear();
            }
        }
        inner.entries.insert(token_hash, Entry { session, stored: Instant::now() });
    }

    /// Notes the "last active" time just written for a cached session.
    pub fn touch(&self, token_hash: &str, last_seen_at: DateTime<Utc>) {
        if let Some(mut inner) = self.lock()
            && let Some(entry) = inner.entries.get_mut(token_hash)
        {
            entry.session.last_seen_at = last_seen_at;
        }
    }

    /// Forgets one token (its session was found expired).
    pub fn forget_token(&self, token_hash: &str) {
        if let Some(mut inner) = self.lock() {
            inner.epoch += 1;
            inner.entries.remove(token_hash);
        }
    }

    /// Forgets these sessions (they ended).
    pub fn forget_sessions(&self, session_ids: &[i32]) {
        if let Some(mut inner) = self.lock() {
            inner.epoch += 1;
            inner.entries.retain(|_, e| !session_ids.contains(&e.session.signed_in.session_id));
        }
    }

    /// Forgets every session of this person (their row, or one of their sessions' rows,
    /// changed).
    pub fn forget_user(&self, user_id: i32) {
        if let Some(mut inner) = self.lock() {
            inner.epoch += 1;
            inner.entries.retain(|_, e| e.session.signed_in.user_id != user_id);
        }
    }

    /// Forgets everything: for rows changed behind the app's back (the tests, which
    /// move sessions back in time).
    pub fn clear(&self) {
        if let Some(mut inner) = self.lock() {
            inner.epoch += 1;
            inner.entries.clear();
        }
    }

    /// How many sessions are kept (for the tests).
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |inner| inner.entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::entities::{session, user};

    fn session(session_id: i32, user_id: i32) -> CachedSession {
        let now = Utc::now();
        let user = user::Model {
            id: user_id,
            email: format!("u{user_id}@example.com"),
            password_hash: String::new(),
            full_name: "Someone".into(),
            phone: None,
            timezone: "UTC".into(),
            avatar_hash: None,
            last_company_id: None,
            created_at: now,
            updated_at: now,
        };
        let row = session::Model {
            id: session_id,
            token_hash: String::new(),
            user_id,
            company_id: None,
            user_agent: String::new(),
            client_address: String::new(),
            created_at: now,
            last_seen_at: now,
            expires_at: now,
            password_confirmed_at: now,
            sign_in_notice: None,
            idle_timeout_minutes: None,
            max_session_hours: None,
        };
        CachedSession {
            signed_in: SignedIn::new(&row, Arc::new(user)),
            expires_at: now,
            last_seen_at: now,
            idle: chrono::Duration::days(7),
        }
    }

    #[test]
    fn ended_sessions_and_changed_people_are_forgotten() {
        let cache = SessionCache::enabled();
        for (token, session_id, user_id) in [("a", 1, 10), ("b", 2, 10), ("c", 3, 20)] {
            let epoch = cache.epoch();
            cache.store(epoch, token.into(), session(session_id, user_id));
        }
        cache.forget_sessions(&[3]);
        assert!(cache.get("c").is_none());
        assert!(cache.get("a").is_some());
        cache.forget_user(10);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_kept() {
        let cache = SessionCache::enabled();
        let epoch = cache.epoch();
        // The session ends while its rows are being read.
        cache.forget_sessions(&[1]);
        cache.store(epoch, "a".into(), session(1, 10));
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = SessionCache::disabled();
        cache.store(cache.epoch(), "a".into(), session(1, 10));
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let cache = SessionCache::enabled();
        for i in 0..(CAPACITY + 10) {
            let id = i32::try_from(i).unwrap();
            cache.store(cache.epoch(), format!("t{i}"), session(id, id));
            assert!(cache.len() <= CAPACITY);
        }
    }
}
