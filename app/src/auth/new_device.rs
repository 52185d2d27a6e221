//! The notice for a sign-in from a new device: the first sign-in from a browser + system +
//! address the account has not used before is reported to the account email.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::backend::AppState;
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::{known_device, user};
use crate::backend::mail::messages;
use crate::backend::tokens::sha256_hex;
use crate::error::AppError;

/// After a sign-in: if this browser + system + address was never seen for the user,
/// remembers it and tells the account email. Failures are logged, never block sign-in.
pub async fn notice_new_device(
    state: &AppState,
    user: &user::Model,
    user_agent: &str,
    address: &str,
) {
    if let Err(err) = try_notice_new_device(state, user, user_agent, address).await {
        tracing::warn!(?err, "could not check for a new sign-in device");
    }
}

async fn try_notice_new_device(
    state: &AppState,
    user: &user::Model,
    user_agent: &str,
    address: &str,
) -> Result<(), AppError> {
    let device = describe_user_agent(user_agent);
    let fingerprint =
        sha256_hex(format!("{}\n{}\n{}", device.browser, device.os, address).as_bytes());
    let known = known_device::Entity::find()
        .filter(known_device::Column::UserId.eq(user.id))
        .filter(known_device::Column::Fingerprint.eq(fingerprint.as_str()))
        .one(&state.db)
        .await?;
    if known.is_some() {
        return Ok(());
    }
    let inserted = known_device::ActiveModel {
        user_id: Set(user.id),
        fingerprint: Set(fingerprint),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await;
    // Two sign-ins racing from the same new device: the unique index lets one through.
    if inserted.is_err() {
        return Ok(());
    }
    let when = format_in_timezone(Utc::now(), &user.timezone);
    let described = format!("{} on {} ({})", device.browser, device.os, device.kind);
    let wasnt_me =
        crate::backend::credentials::wasnt_me_link(&state.db, &state.config, user.id).await?;
    state
        .mailer
        .send(messages::new_device_sign_in(
            &state.config,
            user,
            &described,
            address,
            &when,
            &wasnt_me,
        ))
        .await
}
