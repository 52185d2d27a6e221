//! The Security tab's server side: changing the password, turning two-factor
//! authentication on and off, backup codes, and the security activity log.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::api::{
    CompanyPolicyNote, RememberedDevice, SecurityActivity, SecurityOverview, TwoFactorSetup,
};
use super::second_factor::{confirmed_credential, has_two_factor, verify_second_factor};
use super::{backup_codes, password_policy, rules, totp};
use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::company_policy::TwoFactorRule;
use crate::backend::credentials::{
    cancel_what_the_old_password_started, remove_authenticator_app, send_security_notice,
};
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::{backup_code, security_event, totp_credential, user};
use crate::backend::guesses::{account_keys, answer_wrong_guess};
use crate::backend::live::LiveEvent;
use crate::backend::reauth::{check_password_for, password_entered, require_recent_password};
use crate::backend::session_store::{self, SignedIn};
use crate::backend::users::load_user;
use crate::backend::{AppState, company_policy, passwords, remembered_devices, scope};
use crate::error::AppError;

/// An unconfirmed 2FA setup (secret shown, no code entered yet) expires after this.
pub const SETUP_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
/// How many activity entries the Security tab shows.
const ACTIVITY_SHOWN: u64 = 20;

/// The tab's data; `presented` is the remembered-device token of the browser asking.
pub async fn overview(
    state: &AppState,
    me: &SignedIn,
    presented: Option<&str>,
) -> Result<SecurityOverview, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    let credential = confirmed_credential(&state.db, user.id).await?;
    let backup_codes_left = if credential.is_some() {
        backup_code::Entity::find()
            .filter(backup_code::Column::UserId.eq(user.id))
            .filter(backup_code::Column::UsedAt.is_null())
            .count(&state.db)
            .await? as usize
    } else {
        0
    };
    let activity = security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(user.id))
        .order_by_desc(security_event::Column::CreatedAt)
        .order_by_desc(security_event::Column::Id)
        .limit(ACTIVITY_SHOWN)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|event| {
            let device = describe_user_agent(&event.user_agent);
            SecurityActivity {
                what: SecurityEventKind::from_name(&event.kind)
                    .map_or_else(|| event.kind.clone(), |k| k.label().to_owned()),
                detail: event.detail,
                device: format!("{} on {}", device.browser, device.os),
                address: event.client_address,
                when: format_in_timezone(event.created_at, &user.timezone),
            }
        })
        .collect();
    let remembered_devices = remembered_devices::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|remembered| {
            let device = describe_user_agent(&remembered.user_agent);
            RememberedDevice {
                id: remembered.id,
                device: format!("{} on {}", device.browser, device.os),
                this_browser: remembered_devices::is_this_browser(&remembered, presented),
                address: remembered.client_address,
                remembered_on: format_in_timezone(remembered.created_at, &user.timezone),
                last_used: format_in_timezone(remembered.last_used_at, &user.timezone),
            }
        })
        .collect();
    let (two_factor_required_by, company_policies) = company_policy_notes(state, &user).await?;
    Ok(SecurityOverview {
        two_factor_required_by,
        company_policies,
        passkeys: super::passkeys::list(state, &user).await?,
        passkeys_available: state.webauthn.is_some(),
        remembered_devices,
        remembering_allowed: company_policy::remembered_devices_allowed(
            &state.db,
            &state.config,
            user.id,
        )
        .await?,
        two_factor_since: credential
            .and_then(|c| c.confirmed_at)
            .map(|at| format_in_timezone(at, &user.timezone)),
        backup_codes_left,
        activity,
    })
}

/// Tells the account's email of a change to how it signs in.
pub(super) async fn notify(
    state: &AppState,
    user: &user::Model,
    client: &Client,
    subject: &str,
    what: String,
) {
    send_security_notice(state, user, client, subject, &what).await;
}

// --- Changing the password -------------------------------------------------------------

pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub confirm_password: String,
    pub sign_out_others: bool,
}

/// Checks and stores a new password. Returns the current session's fresh token and how many
/// other sessions ended.
pub async fn change_password(
    state: &AppState,
    me: &SignedIn,
    change: PasswordChange,
    client: &Client,
) -> Result<(String, u64), AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    // The cheap checks first, all at once, so every problem shows next to its field.
    let mut fields = Vec::new();
    if change.current_password.is_empty() {
        fields.push(crate::error::FieldError {
            field: "current_password".into(),
            message: "Enter your current password.".into(),
        });
    }
    if let Some(problem) =
        password_policy::problem(&change.new_password, &user.email, &user.full_name)
    {
        fields.push(crate::error::FieldError {
            field: "new_password".into(),
            message: problem.into(),
        });
    } else if change.confirm_password != change.new_password {
        fields.push(crate::error::FieldError {
            field: "confirm_password".into(),
            message: rules::MISMATCH.into(),
        });
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    check_password_for(state, &user, change.current_password, "current_password").await?;
    let new_hash = passwords::hash_password(change.new_password).await?;

    let txn = state.db.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, sea_orm::sea_query::Expr::value(new_hash))
        .col_expr(user::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    cancel_what_the_old_password_started(&txn, user.id).await?;
    let mut ended = Vec::new();
    if change.sign_out_others {
        ended =
            session_store::delete_sessions_except(&txn, vec![user.id], Some(me.session_id)).await?;
    }
    let token = session_store::rotate_token(&txn, me.session_id).await?;
    txn.commit().await?;
    // The new hash, and the session's new token: nothing read before may stand.
    state.live.publish(LiveEvent::AccountChanged { user_id: user.id });

    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended.clone()));
    }
    record(&state.db, user.id, SecurityEventKind::PasswordChanged, client).await;
    tracing::info!(user_id = user.id, other_sessions_ended = ended.len(), "password changed");
    notify(
        state,
        &user,
        client,
        "Your Kayse password was changed",
        "The password of your Kayse account was changed".into(),
    )
    .await;
    Ok((token, ended.len() as u64))
}

// --- Two-factor authentication ---------------------------------------------------------

/// Starts turning 2FA on: a new secret, shown as a QR code and as text. It is not a second
/// factor until a code from it verifies (`confirm_two_factor`), and expires unconfirmed.
/// Always asks for the password, however recently it was entered: whoever holds an
/// unlocked session must not be able to bind the account to their own phone.
pub async fn begin_two_factor(
    state: &AppState,
    me: &SignedIn,
    password: String,
) -> Result<TwoFactorSetup, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    if has_two_factor(&state.db, user.id).await? {
        return Err(AppError::Rejected("Two-factor authentication is already on.".into()));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    check_password_for(state, &user, password, "password").await?;
    password_entered(state, me).await?;
    let secret = totp::new_secret();
    if !store_unconfirmed_secret(&state.db, user.id, &secret).await? {
        // Another tab confirmed a setup between the check above and now.
        return Err(AppError::Rejected("Two-factor authentication is already on.".into()));
    }
    Ok(TwoFactorSetup {
        qr_code: totp::qr_code_data_url(&totp::otpauth_uri(&secret, &user.email))?,
        secret: totp::grouped(&secret),
    })
}

/// Replaces an unconfirmed setup's secret with a new one, and never a confirmed secret:
/// the delete only matches an unconfirmed row, and the insert does nothing when a row is
/// still there (the user's id is the key). False when a confirmed secret is in the way.
pub async fn store_unconfirmed_secret(
    db: &DatabaseConnection,
    user_id: i32,
    secret: &str,
) -> Result<bool, AppError> {
    let txn = db.begin().await?;
    totp_credential::Entity::delete_many()
        .filter(totp_credential::Column::UserId.eq(user_id))
        .filter(totp_credential::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    let inserted = totp_credential::Entity::insert(totp_credential::ActiveModel {
        user_id: Set(user_id),
        secret: Set(secret.to_owned()),
        created_at: Set(Utc::now()),
        confirmed_at: Set(None),
        last_used_step: Set(None),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(totp_credential::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(inserted == 1)
}

/// Stores a new set of backup codes in place of the old one and returns them (the only
/// time they exist in clear).
async fn replace_backup_codes(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<String>, AppError> {
    let codes = backup_codes::new_set();
    let mut hashes = Vec::with_capacity(codes.len());
    for code in &codes {
        let normalised = backup_codes::normalise(code)
            .ok_or_else(|| AppError::internal("backup code", "generated code did not normalise"))?;
        let lookup = backup_codes::lookup_of(&normalised);
        hashes.push((lookup, passwords::hash_password(normalised).await?));
    }
    backup_code::Entity::delete_many()
        .filter(backup_code::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    let now = Utc::now();
    backup_code::Entity::insert_many(hashes.into_iter().map(|(lookup, hash)| {
        backup_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(hash),
            lookup: Set(Some(lookup)),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
    }))
    .exec(txn)
    .await?;
    Ok(codes)
}

/// Turns 2FA on when the code from the app verifies; returns the backup codes.
pub async fn confirm_two_factor(
    state: &AppState,
    me: &SignedIn,
    code: &str,
    client: &Client,
) -> Result<Vec<String>, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    // The person is signed in here: their session's browser is a known client.
    let keys = account_keys(&user.email, client, Some(&format!("session {}", me.session_id)));
    let attempt = state.second_factor_throttle.reserve(&state.db, &keys).await?;
    let setup = totp_credential::Entity::find_by_id(user.id)
        .filter(totp_credential::Column::ConfirmedAt.is_null())
        .one(&state.db)
        .await?
        .filter(|s| Utc::now() - s.created_at < SETUP_LIFETIME)
        .ok_or_else(|| {
            AppError::Rejected("This setup has expired. Choose Enable 2FA to start again.".into())
        })?;
    if totp::clean_code(code).is_none() {
        return Err(AppError::field("code", "Enter the 6-digit code from your app."));
    }
    let Some(step) = totp::matching_step(&setup.secret, code, totp::now_unix())? else {
        let failure = attempt.failed().await;
        let wrong = AppError::field(
            "code",
            "That code is not correct. Check that your phone's time is set automatically and enter the newest code.",
        );
        return Err(answer_wrong_guess(state, Some(&user), client, failure, wrong).await);
    };
    let txn = state.db.begin().await?;
    let confirmed = totp_credential::Entity::update_many()
        .col_expr(totp_credential::Column::ConfirmedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .col_expr(
            totp_credential::Column::LastUsedStep,
            sea_orm::sea_query::Expr::value(step as i64),
        )
        .filter(totp_credential::Column::UserId.eq(user.id))
        .filter(totp_credential::Column::ConfirmedAt.is_null())
        // Only the secret this code was checked against: a setup restarted in another tab
        // meanwhile holds a secret the person's app does not have.
        .filter(totp_credential::Column::Secret.eq(setup.secret.as_str()))
        .exec(&txn)
        .await?;
    if confirmed.rows_affected != 1 {
        drop(txn);
        return Err(AppError::Rejected(if has_two_factor(&state.db, user.id).await? {
            "Two-factor authentication is already on.".into()
        } else {
            "This setup was restarted in another window. Scan the newest QR code, or choose \
             Enable 2FA again."
                .into()
        }));
    }
    let codes = replace_backup_codes(&txn, user.id).await?;
    txn.commit().await?;
    attempt.succeeded().await;
    record(&state.db, user.id, SecurityEventKind::TwoFactorEnabled, client).await;
    tracing::info!(user_id = user.id, "two-factor authentication turned on");
    notify(
        state,
        &user,
        client,
        "Two-factor authentication is on for your Kayse account",
        "Two-factor authentication was turned on for your Kayse account".into(),
    )
    .await;
    Ok(codes)
}

/// Always asks for the password and a current code: new codes are a way into the account.
pub async fn regenerate_backup_codes(
    state: &AppState,
    me: &SignedIn,
    password: String,
    code: &str,
    client: &Client,
) -> Result<Vec<String>, AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    if !has_two_factor(&state.db, me.user_id).await? {
        return Err(AppError::Rejected("Turn on two-factor authentication first.".into()));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    if code.trim().is_empty() {
        return Err(AppError::field("code", "Enter a code from your app or a backup code."));
    }
    check_password_for(state, &user, password, "password").await?;
    password_entered(state, me).await?;
    verify_second_factor(state, &user, code, client).await?;
    let txn = state.db.begin().await?;
    let codes = replace_backup_codes(&txn, me.user_id).await?;
    txn.commit().await?;
    record(&state.db, me.user_id, SecurityEventKind::BackupCodesRegenerated, client).await;
    tracing::info!(user_id = me.user_id, "backup codes regenerated");
    notify(
        state,
        &user,
        client,
        "New backup codes for your Kayse account",
        "New backup codes were generated for your Kayse account; the old ones no longer work"
            .into(),
    )
    .await;
    Ok(codes)
}

/// The person's companies that require 2FA, and what each company with a policy asks.
async fn company_policy_notes(
    state: &AppState,
    user: &user::Model,
) -> Result<(Vec<String>, Vec<CompanyPolicyNote>), AppError> {
    let mut rows: Vec<_> = scope::memberships_with_companies(&state.db, user.id)
        .await?
        .into_iter()
        .map(|(_, company)| company)
        .collect();
    rows.sort_by_cached_key(|c| c.name.to_lowercase());
    let now = Utc::now();
    let mut required_by = Vec::new();
    let mut notes = Vec::new();
    for company in rows {
        let mut rules = Vec::new();
        match company_policy::two_factor_rule(&company, now) {
            TwoFactorRule::NotRequired => {}
            TwoFactorRule::GracePeriod { until } => {
                required_by.push(company.name.clone());
                rules.push(format!(
                    "Requires two-factor authentication from {}",
                    format_in_timezone(until, &user.timezone)
                ));
            }
            TwoFactorRule::Required => {
                required_by.push(company.name.clone());
                rules.push("Requires two-factor authentication".to_owned());
            }
        }
        if let Some(minutes) = company.idle_timeout_minutes {
            rules.push(format!(
                "Signs you out after {} without activity",
                company_policy::duration_words(i64::from(minutes))
            ));
        }
        if let Some(hours) = company.max_session_hours {
            rules.push(format!(
                "Asks you to sign in again {} after signing in",
                company_policy::duration_words(i64::from(hours) * 60)
            ));
        }
        if !company.allow_remembered_devices {
            rules.push("Does not allow remembered devices: every sign-in asks for a code".into());
        }
        if !rules.is_empty() {
            notes.push(CompanyPolicyNote { company: company.name, rules });
        }
    }
    Ok((required_by, notes))
}

/// Turns 2FA off: needs the password and a current code or a backup code.
pub async fn disable_two_factor(
    state: &AppState,
    me: &SignedIn,
    password: String,
    code: &str,
    client: &Client,
) -> Result<(), AppError> {
    let user = load_user(&state.db, me.user_id).await?;
    if !has_two_factor(&state.db, user.id).await? {
        return Err(AppError::Rejected("Two-factor authentication is already off.".into()));
    }
    let requiring = company_policy::companies_requiring_two_factor(&state.db, user.id).await?;
    if let Some(company) = requiring.first() {
        return Err(AppError::Rejected(format!(
            "{} requires two-factor authentication, so it can't be turned off.",
            company.name
        )));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    if code.trim().is_empty() {
        return Err(AppError::field("code", "Enter a code from your app or a backup code."));
    }
    check_password_for(state, &user, password, "password").await?;
    password_entered(state, me).await?;
    verify_second_factor(state, &user, code, client).await?;
    let txn = state.db.begin().await?;
    remove_authenticator_app(&txn, user.id).await?;
    txn.commit().await?;
    record(&state.db, user.id, SecurityEventKind::TwoFactorDisabled, client).await;
    tracing::info!(user_id = user.id, "two-factor authentication turned off");
    notify(
        state,
        &user,
        client,
        "Two-factor authentication is off for your Kayse account",
        "Two-factor authentication was turned off for your Kayse account".into(),
    )
    .await;
    Ok(())
}

/// "Sign out other devices", offered after a change to two-factor authentication: the
/// password was just entered for that change, so it is not asked again.
pub async fn sign_out_other_devices(state: &AppState, me: &SignedIn) -> Result<u64, AppError> {
    require_recent_password(state, me, None).await?;
    session_store::end_other_sessions(state, me).await
}

// --- Remembered devices ----------------------------------------------------------------

/// "Forget" one of the person's remembered devices. Another account's device is not found,
/// as if it did not exist. No password is asked: forgetting only takes a shortcut away.
pub async fn forget_remembered_device(
    state: &AppState,
    me: &SignedIn,
    id: i32,
) -> Result<(), AppError> {
    if !remembered_devices::forget(&state.db, me.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id = me.user_id, device = id, "remembered device forgotten");
    Ok(())
}

/// "Forget all" of the person's remembered devices; returns how many there were.
pub async fn forget_all_remembered_devices(
    state: &AppState,
    me: &SignedIn,
) -> Result<u64, AppError> {
    let forgotten = remembered_devices::forget_all(&state.db, me.user_id).await?;
    tracing::info!(user_id = me.user_id, forgotten, "remembered devices forgotten");
    Ok(forgotten)
}
