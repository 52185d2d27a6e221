//! Server-only code: the database entities and the services behind the server functions.
//! Compiled with the `ssr` feature only, so none of it reaches the wasm bundle.

pub mod entities;
pub mod every;
pub mod live;
pub mod mail;
pub mod passwords;
pub mod request;
pub mod scope;
pub mod sessions;
pub mod state;
pub mod throttle;
pub mod tokens;

pub use state::{AppState, RuntimeConfig};
