//! Push devices' server functions. Devices belong to the person (not to a company), so
//! each function checks only who is signed in and touches only their rows.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: i32,
    /// "Chrome 131 on Linux".
    pub name: String,
    /// When push was turned on, in the person's timezone.
    pub added: String,
    /// Turned on from this session (this browser).
    pub this_device: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSetup {
    /// The server's VAPID public key, base64url: the browser subscribes with it.
    pub public_key: String,
    pub devices: Vec<PushDevice>,
}

#[server]
pub async fn get_push_setup() -> Result<PushSetup, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::devices::setup(&state, &me).await
}

/// Stores this browser's push subscription (`JSON.stringify(subscription)`). A fixed
/// path: the service worker posts here too when the browser renews a subscription.
#[server(endpoint = "push/subscription")]
pub async fn save_push_subscription(subscription: String) -> Result<PushSetup, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::devices::save(&state, &me, &subscription, &request::user_agent()).await
}

#[server]
pub async fn remove_push_device(id: i32) -> Result<PushSetup, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::devices::remove(&state, &me, id).await
}

/// What a test push did, with the devices as they are now (a device its push service
/// calls gone is removed on the way).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestPush {
    pub delivered: bool,
    pub message: String,
    pub setup: PushSetup,
}

/// Sends "Test notification from Kayse" to one of the person's devices, now (not through
/// the outbox: the person is waiting for it). Once per device every 30 seconds.
#[server]
pub async fn send_test_push(id: i32) -> Result<TestPush, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::devices::send_test(&state, &me, id).await
}
