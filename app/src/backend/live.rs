//! The live channel's hub: events the server pushes to open pages (a session ended now;
//! notifications later) over server-sent events at `/live`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// These sessions were ended: their open pages go to the sign-in page.
    SessionsEnded(Vec<i32>),
    /// This person's notifications changed (a new one, or some were read): their open
    /// pages refresh the bell and the unread counts.
    NotificationsChanged { user_id: i32 },
}

#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<LiveEvent>,
    /// The sessions with an open page here, and how many pages each: one periodic query
    /// re-checks them all (see `server::live`), not one query per page.
    watched: Arc<Mutex<HashMap<i32, usize>>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        // A page that falls this far behind re-checks its session in the database instead.
        let (sender, _) = broadcast::channel(256);
        LiveHub { sender, watched: Arc::default() }
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
    pub fn publish(&self, event: LiveEvent) {
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
