//! The base layer: server-only services that several features share (entities, the
//! request context, sessions, company scope, users, display formatting, the security log,
//! re-authentication, mail, push transport, limits, background loops). Compiled with the
//! `ssr` feature only, so none of it reaches the wasm bundle. It imports no feature.

pub mod api_tokens;
pub mod audit;
pub mod company_policy;
pub mod cpu_pool;
pub mod credentials;
pub mod device_cookies;
pub mod display;
pub mod entities;
pub mod every;
pub mod forwarded;
pub mod guesses;
pub mod live;
pub mod mail;
pub mod passkeys;
pub mod passwords;
pub mod push;
pub mod reauth;
pub mod remembered_devices;
pub mod request;
pub mod scope;
pub mod session_cache;
pub mod session_store;
pub mod signed_links;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use state::{AppState, RuntimeConfig};
