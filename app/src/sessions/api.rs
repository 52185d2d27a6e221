//! The Sessions tab's wire types and server functions. Sessions are named by their row
//! id, never by their token; another user's id is answered as not found.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i32,
    pub browser: String,
    pub os: String,
    /// "Desktop", "Mobile", …
    pub device: String,
    pub address: String,
    /// When it signed in, in the user's timezone.
    pub signed_in: String,
    /// "3 minutes ago".
    pub last_active: String,
    /// The exact time behind `last_active`, in the user's timezone.
    pub last_active_exact: String,
    pub company: Option<String>,
    /// The session of the device asking: "This device".
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    /// The current session first, then the most recently active.
    pub sessions: Vec<SessionView>,
    /// The password was entered in the last 10 minutes: no need to ask before ending one.
    pub password_fresh: bool,
}

#[server]
pub async fn list_sessions() -> Result<SessionList, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::list(&state, &me).await
}

#[server]
pub async fn end_session(id: i32, password: Option<String>) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::end_one(&state, &me, id, password).await
}

#[server]
pub async fn end_other_sessions(password: Option<String>) -> Result<u64, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::end_others(&state, &me, password).await
}
