//! Integration tests: the real router, middleware and server functions against a real
//! SQLite database in a temporary folder. One binary, so the app is linked once.

mod account_security;
mod auth;
mod companies;
mod delivery;
mod harness;
mod isolation;
mod logs;
mod notification_center;
mod notifications;
mod profile;
mod push;
mod security;
mod sessions;
