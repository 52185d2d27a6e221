//! Integration tests: the real router, middleware and server functions against a real
//! SQLite database in a temporary folder. One binary, so the app is linked once.

mod auth;
mod harness;
mod profile;
mod security;
mod sessions;
