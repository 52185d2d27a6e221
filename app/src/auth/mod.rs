//! Signing in and out: the sign-in page and its password step, the second step for an
//! account with 2FA (page, pending cookie, completion), the new-device notice, and
//! "Forgot password?" (a single-use link by email to choose a new password).

pub mod api;
#[cfg(feature = "ssr")]
pub mod new_device;
mod page;
#[cfg(feature = "ssr")]
pub mod reset;
mod reset_pages;
#[cfg(feature = "ssr")]
pub mod second_step;
#[cfg(feature = "ssr")]
pub mod server;
mod verify_page;

pub use page::SignInPage;
pub use reset_pages::{ForgotPasswordPage, ResetPasswordPage};
pub use verify_page::SignInVerifyPage;
