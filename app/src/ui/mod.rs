//! Leaf UI used by many pages: the page frame, form-error helpers, reading a submitted
//! form, server-loaded resources, focus management, the in-place confirmation, the avatar
//! and the copy button. It imports no feature.

pub mod avatar;
pub mod confirm;
pub mod copy;
pub mod focus;
pub mod form_errors;
pub mod form_fields;
pub mod page;
pub mod passkeys;
pub mod resource;

pub use avatar::Avatar;
pub use page::{AccountRefresh, EndingOwnSession, page_content};
