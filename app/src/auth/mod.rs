//! Signing in and out: the sign-in page and its password step, the second step for an
//! account with 2FA (page, pending cookie, completion), and the new-device notice.

pub mod api;
#[cfg(feature = "ssr")]
pub mod new_device;
mod page;
#[cfg(feature = "ssr")]
pub mod second_step;
#[cfg(feature = "ssr")]
pub mod server;
mod verify_page;

pub use page::SignInPage;
pub use verify_page::SignInVerifyPage;
