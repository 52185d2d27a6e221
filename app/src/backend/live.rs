//! The live channel's hub: events the server pushes to open pages (a session ended now;
//! notifications later) over server-sent events at `/live`.

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
}

impl Default for LiveHub {
    fn default() -> Self {
        // A page that falls this far behind re-checks its session in the database instead.
        let (sender, _) = broadcast::channel(256);
        LiveHub { sender }
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
}
