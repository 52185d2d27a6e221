//! The person's push devices: storing the subscription a browser hands over, listing
//! them, removing one. Each belongs to the session that made it (and ends with it).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Deserialize;

use super::api::{PushDevice, PushSetup, TestPush};
use crate::backend::AppState;
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::push_subscription;
use crate::backend::push::crypto::DeviceKeys;
use crate::backend::push::sender::{PushOutcome, TEST_PUSHES, check_endpoint};
use crate::backend::session_store::SignedIn;
use crate::backend::throttle::{Key, Kind};
use crate::backend::users::load_user;
use crate::error::AppError;

/// More devices than this is a script, not a person.
pub const MAX_DEVICES: u64 = 20;

/// `PushSubscription.toJSON()`, as the browser gives it.
#[derive(Debug, Deserialize)]
struct SubscriptionJson {
    endpoint: String,
    keys: SubscriptionKeys,
}

#[derive(Debug, Deserialize)]
struct SubscriptionKeys {
    p256dh: String,
    auth: String,
}

const NOT_USABLE: &str =
    "This browser gave a push subscription Kayse cannot use. Push is not on for this device.";

pub async fn setup(state: &AppState, me: &SignedIn) -> Result<PushSetup, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    let devices = push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(me.user_id))
        .order_by_asc(push_subscription::Column::CreatedAt)
        .order_by_asc(push_subscription::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| PushDevice {
            id: row.id,
            name: row.device_name,
            added: format_in_timezone(row.created_at, &user.timezone),
            this_device: row.session_id == me.session_id,
        })
        .collect();
    Ok(PushSetup { public_key: state.push.public_key().to_owned(), devices })
}

/// Stores this device's subscription (the JSON of `PushSubscription`). The same endpoint
/// again (the browser keeps one per site) updates the row and moves it to this session.
pub async fn save(
    state: &AppState,
    me: &SignedIn,
    subscription: &str,
    user_agent: &str,
) -> Result<PushSetup, AppError> {
    let parsed: SubscriptionJson = serde_json::from_str(subscription)
        .map_err(|_| AppError::Rejected(NOT_USABLE.to_owned()))?;
    if let Err(refused) = check_endpoint(&parsed.endpoint, state.push.allows_loopback()) {
        tracing::warn!(user_id = me.user_id, reason = refused.0, "push endpoint refused");
        return Err(AppError::Rejected(NOT_USABLE.to_owned()));
    }
    DeviceKeys::parse(&parsed.keys.p256dh, &parsed.keys.auth)
        .map_err(|_| AppError::Rejected(NOT_USABLE.to_owned()))?;
    let device = describe_user_agent(user_agent);
    let device_name = format!("{} on {}", device.browser, device.os);
    let existing = push_subscription::Entity::find()
        .filter(push_subscription::Column::Endpoint.eq(parsed.endpoint.as_str()))
        .one(&state.db)
        .await?;
    match existing {
        // The endpoint of someone else's device moves to this person only from the same
        // browser: its auth secret, which only that browser and this server know, must
        // match. Knowing an endpoint URL alone must not take a device (and its pushes)
        // away from its owner.
        Some(row) if row.user_id != me.user_id && !same_secret(&row.auth, &parsed.keys.auth) => {
            tracing::warn!(
                user_id = me.user_id,
                device_id = row.id,
                "push endpoint of another person sent with other keys; refused"
            );
            return Err(AppError::Rejected(NOT_USABLE.to_owned()));
        }
        Some(row) => {
            let mut row = row.into_active_model();
            row.user_id = Set(me.user_id);
            row.session_id = Set(me.session_id);
            row.p256dh = Set(parsed.keys.p256dh);
            row.auth = Set(parsed.keys.auth);
            row.device_name = Set(device_name);
            row.update(&state.db).await?;
        }
        None => {
            let count = push_subscription::Entity::find()
                .filter(push_subscription::Column::UserId.eq(me.user_id))
                .count(&state.db)
                .await?;
            if count >= MAX_DEVICES {
                return Err(AppError::Rejected(format!(
                    "Push is on for {MAX_DEVICES} devices already. Remove one you no longer use, then try again."
                )));
            }
            push_subscription::ActiveModel {
                user_id: Set(me.user_id),
                session_id: Set(me.session_id),
                endpoint: Set(parsed.endpoint),
                p256dh: Set(parsed.keys.p256dh),
                auth: Set(parsed.keys.auth),
                device_name: Set(device_name),
                created_at: Set(Utc::now()),
                last_success_at: Set(None),
                ..Default::default()
            }
            .insert(&state.db)
            .await?;
        }
    }
    setup(state, me).await
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Removes one of the person's devices; someone else's is "not found".
pub async fn remove(state: &AppState, me: &SignedIn, id: i32) -> Result<PushSetup, AppError> {
    let removed = push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::Id.eq(id))
        .filter(push_subscription::Column::UserId.eq(me.user_id))
        .exec(&state.db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    setup(state, me).await
}

/// A test push to one of the person's devices (see the server function).
pub async fn send_test(state: &AppState, me: &SignedIn, id: i32) -> Result<TestPush, AppError> {
    let device = push_subscription::Entity::find_by_id(id)
        .filter(push_subscription::Column::UserId.eq(me.user_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let device_key = Key::named(Kind::Address, &format!("push device {}", device.id));
    TEST_PUSHES.take(&state.db, device_key).await?;
    let message = serde_json::json!({
        "title": "Test notification from Kayse",
        "body": format!("Push works on {}.", device.device_name),
        "url": "/settings/notifications",
        "tag": "kayse-test",
    })
    .to_string();
    let outcome = state.push.send(&device, message.as_bytes(), Utc::now()).await;
    let name = &device.device_name;
    let (delivered, message) = match outcome {
        PushOutcome::Accepted => {
            (true, format!("Sent. It should appear on {name} within a few seconds."))
        }
        PushOutcome::Gone => {
            push_subscription::Entity::delete_by_id(device.id).exec(&state.db).await?;
            (
                false,
                format!(
                    "{name} no longer takes pushes (its push service says so), so it was removed. Turn push on there again."
                ),
            )
        }
        PushOutcome::Retry(error) => {
            tracing::warn!(subscription_id = device.id, error, "test push not taken");
            (false, "The push service did not take it right now. Try again in a minute.".to_owned())
        }
        PushOutcome::Refused(error) => {
            tracing::warn!(subscription_id = device.id, error, "test push refused");
            (
                false,
                format!("The push service refused it. Remove {name} and turn push on there again."),
            )
        }
    };
    Ok(TestPush { delivered, message, setup: setup(state, me).await? })
}
