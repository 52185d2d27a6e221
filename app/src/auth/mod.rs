//! Signing in and out.

pub mod api;
mod page;
#[cfg(feature = "ssr")]
pub mod server;

pub use page::SignInPage;
