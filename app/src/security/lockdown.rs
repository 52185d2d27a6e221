//! "Secure my account": for someone who thinks another person has used their account. In
//! one step every session ends (this one too), pending email changes, half-finished
//! sign-ins and reset links are cancelled, push is turned off on every device, and the
//! account cannot sign in again until a new password is set with a link sent to its
//! email. It is recorded, the person is told by email, and so are the Admins of each of
//! their companies.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::backend::AppState;
use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::credentials::{cancel_what_the_old_password_started, require_new_password};
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::{membership, push_subscription, user};
use crate::backend::live::LiveEvent;
use crate::backend::mail::messages;
use crate::backend::session_store::delete_all_sessions;
use crate::backend::users::load_user;
use crate::error::AppError;

/// Secures the account; returns how many sessions ended. With `restore_email` (the old
/// address of a login-email change the person disowns) the login goes back there first,
/// unless another account has taken it since, so the new-password link reaches them.
pub async fn secure_account(
    state: &AppState,
    user_id: i32,
    client: &Client,
    restore_email: Option<&str>,
) -> Result<usize, AppError> {
    let mut person = load_user(&state.db, user_id).await?;
    let txn = state.db.begin().await?;
    let restored = match restore_email {
        Some(old) if old != person.email => restore_login_email(&txn, &person, old).await?,
        _ => None,
    };
    if let Some(restored) = restored {
        person = restored;
    }
    let ended = delete_all_sessions(&txn, user_id).await?;
    push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    cancel_what_the_old_password_started(&txn, user_id).await?;
    // A passkey may be the intruder's: the person adds theirs again after the reset.
    crate::backend::passkeys::remove_all(&txn, user_id).await?;
    require_new_password(&txn, user_id).await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id });
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended.clone()));
    }
    if restore_email.is_some_and(|old| old == person.email) {
        record(&state.db, user_id, SecurityEventKind::EmailChanged, client).await;
    }
    record(&state.db, user_id, SecurityEventKind::AccountSecured, client).await;
    tracing::info!(user_id, sessions_ended = ended.len(), "account secured");
    tell_everyone(state, &person, client).await;
    Ok(ended.len())
}

/// The person, and the Admins of each company they belong to. A notice that could not be
/// sent is logged: the account is secured either way.
async fn tell_everyone(state: &AppState, person: &user::Model, client: &Client) {
    let device = describe_user_agent(&client.user_agent);
    let from = format!("{} on {} ({})", device.browser, device.os, client.address);
    let own = messages::account_secured(
        &state.config,
        person,
        &format_in_timezone(Utc::now(), &person.timezone),
        &from,
    );
    if let Err(err) = state.mailer.send(own).await {
        tracing::warn!(?err, "could not tell the person their account was secured");
    }
    let admins = match company_admins_of(state, person.id).await {
        Ok(admins) => admins,
        Err(err) => {
            tracing::warn!(?err, "could not find the admins to tell of a secured account");
            return;
        }
    };
    for admin in admins {
        let when = format_in_timezone(Utc::now(), &admin.timezone);
        let notice = messages::member_account_secured(&state.config, &admin, person, &when);
        if let Err(err) = state.mailer.send(notice).await {
            tracing::warn!(
                ?err,
                admin_id = admin.id,
                "could not tell an admin of a secured account"
            );
        }
    }
}

/// The Admins of every company the person belongs to, each once, the person excluded.
async fn company_admins_of(state: &AppState, user_id: i32) -> Result<Vec<user::Model>, AppError> {
    let companies: Vec<i32> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.company_id)
        .collect();
    let mut admin_ids: Vec<i32> = membership::Entity::find()
        .filter(membership::Column::CompanyId.is_in(companies))
        .filter(membership::Column::Role.eq(membership::ROLE_ADMIN))
        .filter(membership::Column::UserId.ne(user_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    admin_ids.sort_unstable();
    admin_ids.dedup();
    Ok(user::Entity::find().filter(user::Column::Id.is_in(admin_ids)).all(&state.db).await?)
}

/// Puts the login back on `old_email` if no other account uses it now; the person as
/// changed, or none when the address was taken (then the login stays, and the reset link
/// goes to it: the Admins, who are told, can step in).
async fn restore_login_email(
    txn: &impl sea_orm::ConnectionTrait,
    person: &user::Model,
    old_email: &str,
) -> Result<Option<user::Model>, AppError> {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(old_email))
        .filter(user::Column::Id.ne(person.id))
        .one(txn)
        .await?;
    if taken.is_some() {
        tracing::warn!(user_id = person.id, "the old login email is another account's now");
        return Ok(None);
    }
    let mut restored = person.clone().into_active_model();
    restored.email = Set(old_email.to_owned());
    restored.updated_at = Set(Utc::now());
    Ok(Some(restored.update(txn).await?))
}
