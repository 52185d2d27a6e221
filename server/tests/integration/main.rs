//! Integration tests: the real router, middleware and server functions against a real
//! SQLite database in a temporary folder. One binary, so the app is linked once.

mod auth;
mod companies;
mod delivery;
mod error_statuses;
mod harness;
mod http_layers;
mod isolation;
mod logs;
mod notification_center;
mod notifications;
mod profile;
mod push;
mod security_tab;
mod sessions;
