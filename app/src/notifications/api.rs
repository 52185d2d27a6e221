//! The Notifications tab's server functions. Preferences belong to the person and apply
//! in every company, so nothing here is company-scoped.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::events::{Delivery, Event, Method};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Every event, in the product's order, with how it is delivered.
    pub matrix: Vec<(Event, Delivery)>,
    pub task_due_lead_minutes: i32,
}

#[server]
pub async fn get_notification_preferences() -> Result<Preferences, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::load(&state.db, me.user_id).await
}

/// Turns one delivery method of one event on or off; saved at once.
#[server]
pub async fn set_notification_preference(event: Event, method: Method, enabled: bool) -> Result<Delivery, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set(&state.db, me.user_id, event, method, enabled).await
}

#[server]
pub async fn set_task_due_lead(minutes: i32) -> Result<i32, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_lead(&state.db, me.user_id, minutes).await
}
