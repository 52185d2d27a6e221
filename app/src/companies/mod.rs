//! Multiple companies: the companies a person belongs to, and switching between them. The
//! choice belongs to the session; the last one used is restored at the next sign-in.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;
