//! The Notifications tab's server functions. Preferences belong to the person: their
//! defaults apply in every company, and a company can have its own copy ("Customize for
//! <firm>"). None of these is company-scoped: a person kept out of a company's data (by its
//! 2FA requirement) can still choose what reaches them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::events::{Delivery, Digest, Event, Method};
use super::filters::Filters;
use crate::error::AppError;

/// Which set of settings a change is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingsScope {
    /// The person's defaults, used in every company without settings of its own.
    Defaults,
    /// One company's own copy.
    Company(i32),
}

/// The company the session works in, and whether the settings shown are its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmSettings {
    pub id: i32,
    pub name: String,
    pub own: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// The set shown: the one that applies in the session's company.
    pub scope: SettingsScope,
    /// `None` for a person who belongs to no company yet.
    pub firm: Option<FirmSettings>,
    /// Every event, in the product's order, with how it is delivered.
    pub matrix: Vec<(Event, Delivery)>,
    pub filters: Filters,
    /// The case types the filters can name.
    pub case_types: Vec<String>,
    pub task_due_lead_minutes: i32,
    /// Start and end, in minutes after local midnight; `None` when off.
    pub quiet_hours: Option<(i32, i32)>,
    /// "Let urgent alerts through during quiet hours".
    pub urgent_during_quiet_hours: bool,
    pub email_digest: Digest,
}

#[server]
pub async fn get_notification_preferences() -> Result<Preferences, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::load(&state.db, &me).await
}

/// Turns one delivery method of one event on or off, in one set; saved at once.
#[server]
pub async fn set_notification_preference(
    scope: SettingsScope,
    event: Event,
    method: Method,
    enabled: bool,
) -> Result<Delivery, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set(&state.db, me.user_id, scope, event, method, enabled).await
}

/// Saves a set's filters, all of them at once.
#[server]
pub async fn set_notification_filters(
    scope: SettingsScope,
    filters: Filters,
) -> Result<Filters, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_filters(&state.db, me.user_id, scope, filters).await
}

/// "Customize for <firm>": the session's company gets its own copy of the defaults.
#[server]
pub async fn customize_notifications() -> Result<Preferences, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::customize(&state.db, &me).await
}

/// "Use my default settings": the session's company's own copy is removed.
#[server]
pub async fn use_default_notification_settings() -> Result<Preferences, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::use_defaults(&state.db, &me).await
}

/// What "Send a test notification" did, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSent {
    pub message: String,
}

/// "Send a test notification": a sample of `event` by `method`, in the current company,
/// through the real path. Once per method every 30 seconds.
#[server]
pub async fn send_test_notification(event: Event, method: Method) -> Result<TestSent, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::test_send::send(&state, &scope, event, method).await
}

/// What an unsubscribe link turns off (see `unsubscribe_by_link`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeChoice {
    /// "“New message” emails", "all notification emails".
    pub what: String,
    /// "your default settings", "your settings for Harper & Lowe LLP".
    pub settings: String,
    pub already_off: bool,
}

/// The unsubscribe page: what its link turns off. Changes nothing (mail scanners open
/// links). No sign-in needed: the link's signature is its authority.
#[server]
pub async fn check_unsubscribe_link(link: String) -> Result<UnsubscribeChoice, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let target = super::unsubscribe::verify(&state.db, &link).await?;
    super::unsubscribe::describe(&state.db, target).await
}

/// "Turn off these emails" on the unsubscribe page. Mail clients' one-click POST reaches
/// the same change at `/unsubscribe` (server/src/unsubscribe.rs).
#[server]
pub async fn unsubscribe_by_link(link: String) -> Result<UnsubscribeChoice, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let target = super::unsubscribe::verify(&state.db, &link).await?;
    super::unsubscribe::apply(&state.db, target).await
}

#[server]
pub async fn set_task_due_lead(minutes: i32) -> Result<i32, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_lead(&state.db, me.user_id, minutes).await
}

/// Turns quiet hours on (with their start and end, minutes after local midnight) or off.
#[server]
pub async fn set_quiet_hours(
    enabled: bool,
    start_minutes: i32,
    end_minutes: i32,
) -> Result<Option<(i32, i32)>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_quiet_hours(
        &state.db,
        me.user_id,
        enabled.then_some((start_minutes, end_minutes)),
    )
    .await
}

/// Whether escalated alerts (Company settings → Urgent alerts) may reach the person by
/// email and push during their quiet hours.
#[server]
pub async fn set_urgent_during_quiet_hours(enabled: bool) -> Result<bool, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_urgent_during_quiet_hours(&state.db, me.user_id, enabled).await
}

#[server]
pub async fn set_email_digest(digest: Digest) -> Result<Digest, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::set_email_digest(&state.db, me.user_id, digest).await
}

/// One notification in the bell's panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i32,
    /// "Case assigned", "New message", …
    pub event: String,
    pub title: String,
    pub body: String,
    pub case_id: i32,
    /// "HL-2026-014 · Smith v. Ridgeway Logistics".
    pub case_label: String,
    /// "5 minutes ago".
    pub when: String,
    /// The exact time, in the user's timezone.
    pub when_exact: String,
    pub read: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationCenter {
    /// Unread in the current company (whatever the filter).
    pub unread: usize,
    /// Newest first: the latest 30 the filter lets through, or the 30 before `before`.
    pub items: Vec<NotificationView>,
    /// Older ones are there ("Show more").
    pub more: bool,
    /// The company's case types, for the filter.
    pub case_types: Vec<String>,
}

/// The bell's count: this person's unread notifications in the current company.
#[server]
pub async fn unread_notification_count() -> Result<usize, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::inbox::unread_count(&state, &scope).await
}

/// The bell's panel: this person's notifications in the current company, of one event and one
/// case type if given, older than notification `before` if given.
#[server]
pub async fn get_notification_center(
    event: Option<Event>,
    case_type: Option<String>,
    before: Option<i32>,
) -> Result<NotificationCenter, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    let filter = super::inbox::CenterFilter { event, case_type, before };
    super::inbox::center(&state, &scope, &filter).await
}

/// "Mark as unread": the notification counts again.
#[server]
pub async fn mark_notification_unread(id: i32) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::inbox::mark_unread(&state, &scope, id).await
}

/// Marks one notification read; returns its case, to go to.
#[server]
pub async fn mark_notification_read(id: i32) -> Result<i32, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::inbox::mark_read(&state, &scope, id).await
}

#[server]
pub async fn mark_all_notifications_read() -> Result<u64, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::inbox::mark_all_read(&state, &scope).await
}
