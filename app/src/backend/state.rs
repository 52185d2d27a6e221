//! The shared state every handler and server function reads: database, settings, mailer,
//! limits, the live hub and the push sender.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::forwarded::{ForwardedHeader, TrustedProxies};
use super::live::LiveHub;
use super::mail::Mailer;
use super::push::PushSender;
use super::session_cache::SessionCache;
use super::throttle::{RateLimit, Throttle};

/// What the server functions need to know of the settings (the rest stays in `server`).
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Where users reach the app, e.g. `https://kayse.example.com`; links in emails use it.
    pub public_url: String,
    /// Mark the session cookie `Secure` (on when `public_url` is https).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub session_idle: chrono::Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: chrono::Duration,
    /// Region assumed for phone numbers typed without a `+country` prefix (ISO 3166, e.g. `US`).
    pub default_phone_region: String,
    /// Reverse proxies whose forwarding header names the client (none by default).
    pub trusted_proxies: TrustedProxies,
    pub forwarded_header: ForwardedHeader,
    /// Offer "Remember this device for 30 days" at the second step, and honour remembered
    /// devices at sign-in. Off: every sign-in with 2FA asks for the second factor.
    pub allow_remembered_devices: bool,
    /// Read notifications older than this are deleted by the cleanup job.
    pub notification_retention: chrono::Duration,
}

impl RuntimeConfig {
    /// The client's address behind `peer` (see `forwarded::client_ip`).
    pub fn client_ip(&self, peer: std::net::IpAddr, headers: &http::HeaderMap) -> std::net::IpAddr {
        super::forwarded::client_ip(peer, headers, &self.trusted_proxies, self.forwarded_header)
    }
}

/// Shared by the router, the middleware and (through Leptos context) every server function:
/// a handle to the one `SharedState`. Every layer of every request clones the state, so a
/// clone is one reference count, not one per service (measured: cloning and dropping the
/// services' two dozen reference counts was over a quarter of an authenticated read's CPU,
/// the counters' cache lines bouncing between cores).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> AppState {
        AppState(Arc::new(shared))
    }

    /// A state like this one with some services swapped (the tests: another mailer, a
    /// hub as after a restart).
    pub fn with(&self, change: impl FnOnce(&mut SharedState)) -> AppState {
        let mut shared = (*self.0).clone();
        change(&mut shared);
        AppState::new(shared)
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What the state holds.
#[derive(Clone)]
pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    /// For reads that write nothing and need not see an uncommitted write of their own:
    /// on a SQLite file, a pool of its own beside `db`'s one writing connection (readers
    /// run side by side in WAL mode); otherwise the same pool as `db`.
    pub reads: DatabaseConnection,
    pub config: Arc<RuntimeConfig>,
    pub mailer: Mailer,
    /// Failed password guesses, per account and per client address.
    pub password_throttle: Throttle,
    /// Failed second-factor codes (app codes and backup codes), per account and address.
    pub second_factor_throttle: Throttle,
    /// Wrong integration API tokens, per address: apart from people's limits, so a
    /// misconfigured integration cannot lock staff out of signing in.
    pub integration_throttle: Throttle,
    /// Requests per integration token and minute.
    pub integration_rate: RateLimit,
    /// Pushes events to open pages; keeps `sessions` up to date.
    pub live: LiveHub,
    /// Sessions read without a query (SQLite only: see `session_cache`).
    pub sessions: SessionCache,
    /// Sends Web Push messages with the server's VAPID key.
    pub push: PushSender,
    /// The WebAuthn relying party for passkeys, made from the public URL; none when that
    /// names an IP address (see `passkeys::relying_party`).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
