//! Passkeys in the Security tab, the server's side: "Add a passkey" (the password first,
//! then the browser's prompt, then a name), "Rename" and "Remove" (the password again).
//! Each addition and removal is a security event and an email with "This wasn't me".

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::api::{PasskeyRegistrationStart, PasskeyView};
use super::rules::MAX_PASSKEY_NAME_CHARS;
use crate::backend::AppState;
use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::{passkey, user};
use crate::backend::passkeys::{self, NOT_ACCEPTED, Purpose};
use crate::backend::reauth::{check_password_for, password_entered, require_recent_password};
use crate::backend::session_store::SignedIn;
use crate::backend::users::load_user;
use crate::error::AppError;
use crate::ui::passkeys::PasskeyChallenge;

/// The person's passkeys as the tab lists them.
pub async fn list(state: &AppState, person: &user::Model) -> Result<Vec<PasskeyView>, AppError> {
    Ok(passkeys::of_user(&state.db, person.id)
        .await?
        .into_iter()
        .map(|stored| PasskeyView {
            id: stored.id,
            name: stored.name,
            added: format_in_timezone(stored.created_at, &person.timezone),
            last_used: stored.last_used_at.map(|at| format_in_timezone(at, &person.timezone)),
        })
        .collect())
}

/// "Add a passkey", after the password: the options for the browser's prompt.
pub async fn begin_registration(
    state: &AppState,
    me: &SignedIn,
    password: String,
    client: &Client,
) -> Result<PasskeyRegistrationStart, AppError> {
    let relying_party = passkeys::relying_party_of(state)?;
    let person = load_user(&state.db, me.user_id).await?;
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    check_password_for(state, &person, password, "password").await?;
    password_entered(state, me).await?;
    // The person's passkeys are excluded, so an authenticator that holds one says so.
    let exclude = passkeys::of_user(&state.db, person.id)
        .await?
        .iter()
        .map(|stored| passkeys::credential(stored).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let handle = passkeys::user_handle(&state.db, person.id).await?;
    let (options, registration) = relying_party
        .start_passkey_registration(handle, &person.email, &person.full_name, Some(exclude))
        .map_err(|err| AppError::internal("passkey registration", err))?;
    // Discoverable, so "Sign in with a passkey" finds it without an email typed. (The
    // library asks for that only as a preference; its check does not depend on it.)
    let mut options =
        serde_json::to_value(&options).map_err(|err| AppError::internal("passkey options", err))?;
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["residentKey"] = "required".into();
        selection["requireResidentKey"] = true.into();
    }
    let ceremony = passkeys::begin_ceremony(
        &state.db,
        Purpose::Register,
        Some(person.id),
        &(handle, registration),
    )
    .await?;
    let device = describe_user_agent(&client.user_agent);
    Ok(PasskeyRegistrationStart {
        challenge: PasskeyChallenge { ceremony, options: options.to_string() },
        suggested_name: checked_name(&format!("{} on {}", device.browser, device.os))
            .unwrap_or_else(|_| "Passkey".to_owned()),
    })
}

/// The browser's new credential, checked and stored under `name`.
pub async fn finish_registration(
    state: &AppState,
    me: &SignedIn,
    ceremony: &str,
    credential: &str,
    name: &str,
    client: &Client,
) -> Result<PasskeyView, AppError> {
    let relying_party = passkeys::relying_party_of(state)?;
    // Before the ceremony is used up: a name to fix must not cost the prompt again.
    let name = checked_name(name)?;
    let (owner, (handle, registration)): (_, (Uuid, PasskeyRegistration)) =
        passkeys::finish_ceremony(&state.db, Purpose::Register, ceremony).await?;
    if owner != Some(me.user_id) {
        return Err(AppError::Rejected(NOT_ACCEPTED.into()));
    }
    let answer: RegisterPublicKeyCredential = passkeys::from_browser(credential)?;
    let new_passkey =
        relying_party.finish_passkey_registration(&answer, &registration).map_err(|err| {
            tracing::info!(%err, user_id = me.user_id, "a passkey registration was refused");
            AppError::Rejected(NOT_ACCEPTED.into())
        })?;
    let stored = passkeys::store(&state.db, me.user_id, &name, handle, &new_passkey).await?;
    let person = load_user(&state.db, me.user_id).await?;
    record(&state.db, person.id, SecurityEventKind::PasskeyAdded, client).await;
    tracing::info!(user_id = person.id, passkey = stored.id, "passkey added");
    notify(state, &person, client, "A passkey was added to your Kayse account", &name, "added to")
        .await;
    Ok(PasskeyView {
        id: stored.id,
        name: stored.name,
        added: format_in_timezone(stored.created_at, &person.timezone),
        last_used: None,
    })
}

/// "Rename".
pub async fn rename(state: &AppState, me: &SignedIn, id: i32, name: &str) -> Result<(), AppError> {
    let name = checked_name(name)?;
    let renamed = passkey::Entity::update_many()
        .col_expr(passkey::Column::Name, Expr::value(name))
        .filter(passkey::Column::Id.eq(id))
        .filter(passkey::Column::UserId.eq(me.user_id))
        .exec(&state.db)
        .await?;
    if renamed.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// "Remove": a password typed is always checked; without one, the password must have been
/// entered in the last 10 minutes.
pub async fn remove(
    state: &AppState,
    me: &SignedIn,
    id: i32,
    password: Option<String>,
    client: &Client,
) -> Result<(), AppError> {
    match password.filter(|p| !p.is_empty()) {
        Some(password) => {
            let person = load_user(&state.db, me.user_id).await?;
            check_password_for(state, &person, password, "password").await?;
            password_entered(state, me).await?;
        }
        None => require_recent_password(state, me, None).await?,
    }
    let found = passkey::Entity::find()
        .filter(passkey::Column::Id.eq(id))
        .filter(passkey::Column::UserId.eq(me.user_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let removed = passkey::Entity::delete_by_id(found.id).exec(&state.db).await?;
    if removed.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    let person = load_user(&state.db, me.user_id).await?;
    record(&state.db, person.id, SecurityEventKind::PasskeyRemoved, client).await;
    tracing::info!(user_id = person.id, passkey = id, "passkey removed");
    notify(
        state,
        &person,
        client,
        "A passkey was removed from your Kayse account",
        &found.name,
        "removed from",
    )
    .await;
    Ok(())
}

async fn notify(
    state: &AppState,
    person: &user::Model,
    client: &Client,
    subject: &str,
    name: &str,
    done: &str,
) {
    let what = format!("The passkey \"{name}\" was {done} your Kayse account");
    crate::backend::credentials::send_security_notice(state, person, client, subject, &what).await;
}

/// A passkey's name: trimmed, 1 to 60 characters, nothing invisible.
fn checked_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field("name", "Give the passkey a name."));
    }
    if name.chars().count() > MAX_PASSKEY_NAME_CHARS {
        return Err(AppError::field("name", "Use at most 60 characters."));
    }
    if !crate::text::is_clean_line(name) {
        return Err(AppError::field("name", "Use letters, numbers and punctuation only."));
    }
    Ok(name.to_owned())
}
