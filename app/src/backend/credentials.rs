//! What a new password cancels, whichever way it was set (Change Password, or a "Forgot
//! password?" link): anything started with the old one. And the cleanup of old links.
//! Making and using links is the sign-in feature's (`auth::reset`). And the mark a secured
//! account carries until it has a new password ("Secure my account", `security::lockdown`).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::entities::{
    backup_code, email_change, password_reset, pending_sign_in, secured_account, totp_credential,
    wasnt_me_link,
};
use super::state::RuntimeConfig;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

/// In the transaction that stores a new password: a pending login-email change may be an
/// attacker's, a sign-in half-way through its second step was started with the old
/// password, a reset link asked for before must not undo the change, and a remembered
/// device must not outlive the password it was remembered with.
pub async fn cancel_what_the_old_password_started(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(), AppError> {
    email_change::Entity::delete_many()
        .filter(email_change::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    pending_sign_in::Entity::delete_many()
        .filter(pending_sign_in::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    super::remembered_devices::forget_all(txn, user_id).await?;
    void_reset_links(txn, user_id).await
}

/// Removes the authenticator app, its backup codes and the devices remembered under it
/// (inside the caller's transaction): turning 2FA off, or an Admin resetting it.
pub async fn remove_authenticator_app(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(), AppError> {
    totp_credential::Entity::delete_many()
        .filter(totp_credential::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    backup_code::Entity::delete_many()
        .filter(backup_code::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    // A device remembered under the old 2FA must not skip a second factor turned on later.
    super::remembered_devices::forget_all(txn, user_id).await?;
    Ok(())
}

/// Every unused link of the account stops working.
pub async fn void_reset_links(db: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Reset and "This wasn't me" links that expired more than a day ago are of no use, even
/// to the log.
pub async fn delete_old_reset_links(db: &DatabaseConnection) -> Result<u64, AppError> {
    let day_ago = Utc::now() - chrono::Duration::days(1);
    let resets = password_reset::Entity::delete_many()
        .filter(password_reset::Column::ExpiresAt.lt(day_ago))
        .exec(db)
        .await?;
    let wasnt_me = wasnt_me_link::Entity::delete_many()
        .filter(wasnt_me_link::Column::ExpiresAt.lt(day_ago))
        .exec(db)
        .await?;
    Ok(resets.rows_affected + wasnt_me.rows_affected)
}

/// Whether the account was secured and waits for a new password before signing in.
pub async fn must_choose_new_password(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<bool, AppError> {
    Ok(secured_account::Entity::find_by_id(user_id).one(db).await?.is_some())
}

/// Marks the account: no sign-in until a new password is set with an emailed link.
pub async fn require_new_password(db: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
    secured_account::Entity::insert(secured_account::ActiveModel {
        user_id: sea_orm::Set(user_id),
        secured_at: sea_orm::Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(secured_account::Column::UserId)
            .update_column(secured_account::Column::SecuredAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The new password is set: the account signs in again.
pub async fn new_password_chosen(db: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
    secured_account::Entity::delete_by_id(user_id).exec(db).await?;
    Ok(())
}

/// How long a "This wasn't me" link works.
pub const WASNT_ME_LIFETIME: chrono::Duration = chrono::Duration::days(7);

pub const WASNT_ME_EXPIRED: &str = "This link has expired or was already used. If you still \
     think someone else has used your account, use \"Forgot password?\" on the sign-in page, \
     or \"Secure my account\" in Security settings.";

/// A new "This wasn't me" link for the account, for a credential-change email.
pub async fn wasnt_me_link(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
) -> Result<String, AppError> {
    new_wasnt_me_link(db, config, user_id, None).await
}

/// The link for the old address's notice of a completed login-email change: used, it also
/// puts the login back on `old_email`.
pub async fn wasnt_me_link_restoring(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
    old_email: &str,
) -> Result<String, AppError> {
    new_wasnt_me_link(db, config, user_id, Some(old_email.to_owned())).await
}

async fn new_wasnt_me_link(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
    restore_email: Option<String>,
) -> Result<String, AppError> {
    let token = new_token();
    let now = Utc::now();
    wasnt_me_link::Entity::insert(wasnt_me_link::ActiveModel {
        user_id: sea_orm::Set(user_id),
        token_hash: sea_orm::Set(hash_token(&token)),
        created_at: sea_orm::Set(now),
        expires_at: sea_orm::Set(now + WASNT_ME_LIFETIME),
        used_at: sea_orm::Set(None),
        restore_email: sea_orm::Set(restore_email),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(super::mail::links::wasnt_me(config, &token))
}

/// Whether a "This wasn't me" link still works (its page says so before the click).
pub async fn wasnt_me_link_works(db: &impl ConnectionTrait, token: &str) -> Result<(), AppError> {
    wasnt_me_link::Entity::find()
        .filter(wasnt_me_link::Column::TokenHash.eq(hash_token(token)))
        .filter(wasnt_me_link::Column::UsedAt.is_null())
        .filter(wasnt_me_link::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::Rejected(WASNT_ME_EXPIRED.into()))
}

/// What a used "This wasn't me" link names.
pub struct WasntMe {
    pub user_id: i32,
    /// The login email to put back first (see `wasnt_me_link_restoring`).
    pub restore_email: Option<String>,
}

/// Uses a "This wasn't me" link: of any number of requests with it, one gets the account;
/// the others, and any expired or unknown link, are refused.
pub async fn use_wasnt_me_link(db: &DatabaseConnection, token: &str) -> Result<WasntMe, AppError> {
    let hash = hash_token(token);
    let now = Utc::now();
    let claimed = wasnt_me_link::Entity::update_many()
        .col_expr(wasnt_me_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(wasnt_me_link::Column::TokenHash.eq(hash.as_str()))
        .filter(wasnt_me_link::Column::UsedAt.is_null())
        .filter(wasnt_me_link::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rejected(WASNT_ME_EXPIRED.into()));
    }
    wasnt_me_link::Entity::find()
        .filter(wasnt_me_link::Column::TokenHash.eq(hash))
        .one(db)
        .await?
        .map(|link| WasntMe { user_id: link.user_id, restore_email: link.restore_email })
        .ok_or_else(|| AppError::Rejected(WASNT_ME_EXPIRED.into()))
}

/// Emails the account of a change to how it signs in: `what` happened now (said in the
/// person's timezone), from the browser, system and address of `client`, with a fresh
/// "This wasn't me" link. The change is already done: a notice that could not be made or
/// sent is logged, not reported as a failure.
pub async fn send_security_notice(
    state: &super::AppState,
    person: &super::entities::user::Model,
    client: &super::audit::Client,
    subject: &str,
    what: &str,
) {
    let when = super::display::format_in_timezone(Utc::now(), &person.timezone);
    let device = super::display::describe_user_agent(&client.user_agent);
    let from = format!("{} on {} ({})", device.browser, device.os, client.address);
    let wasnt_me = match wasnt_me_link(&state.db, &state.config, person.id).await {
        Ok(link) => link,
        Err(err) => {
            tracing::warn!(?err, "could not make a \"This wasn't me\" link");
            return;
        }
    };
    let email = super::mail::messages::security_change(
        &state.config,
        person,
        subject,
        what,
        &when,
        &from,
        &wasnt_me,
    );
    if let Err(err) = state.mailer.send(email).await {
        tracing::warn!(?err, "could not send a security notice");
    }
}
