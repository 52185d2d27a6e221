//! The profile's server side: strict validation, saving, the photo, and the login-email
//! change with its confirmation link.

use chrono::Utc;
use email_address::{EmailAddress, Options};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::api::{PendingEmail, ProfileView};
use super::photo;
use super::rules;
use crate::backend::AppState;
use crate::backend::audit::{self, Client, SecurityEventKind};
use crate::backend::cpu_pool::CpuPool;
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{avatar, email_change, email_change_request, user};
use crate::backend::live::LiveEvent;
use crate::backend::mail::messages;
use crate::backend::reauth::check_password_for;
use crate::backend::tokens::{hash_token, new_token, sha256_hex};
use crate::backend::users::{avatar_url, load_user};
use crate::error::{AppError, FieldError};

/// A confirmation link works this long.
pub const EMAIL_LINK_LIFETIME: chrono::Duration = chrono::Duration::hours(24);
/// Email-change requests allowed in `BURST_WINDOW`, and in a day.
const REQUESTS_PER_BURST: usize = 5;
const BURST_WINDOW: chrono::Duration = chrono::Duration::minutes(10);
const REQUESTS_PER_DAY: usize = 10;
/// "Resend" is refused more often than this, so the button can't flood an inbox.
const RESEND_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// Lower-cased, strictly parsed: no display names ("Bob <b@x.com>"), no IP-literal
/// domains, and a domain with a dot in it.
pub fn normalise_email(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.len() > 254 {
        return Err(rules::EMAIL_INVALID.into());
    }
    let options =
        Options::default().without_display_text().without_domain_literal().with_required_tld();
    EmailAddress::parse_with_options(trimmed, options)
        .map_err(|_| rules::EMAIL_INVALID.to_owned())?;
    Ok(trimmed.to_lowercase())
}

/// E.164 (`+14155550134`), `None` for an empty field. Numbers without `+` are read in the
/// configured default region.
pub fn normalise_phone(input: &str, default_region: &str) -> Result<Option<String>, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    rules::looks_like_phone(trimmed)?;
    let region = default_region.parse::<phonenumber::country::Id>().ok();
    let number =
        phonenumber::parse(region, trimmed).map_err(|_| rules::PHONE_INVALID.to_owned())?;
    if !phonenumber::is_valid(&number) {
        return Err(rules::PHONE_INVALID.into());
    }
    Ok(Some(number.format().mode(phonenumber::Mode::E164).to_string()))
}

/// `+1 415-555-0134` for `+14155550134`.
pub fn display_phone(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map(|n| n.format().mode(phonenumber::Mode::International).to_string())
        .unwrap_or_else(|_| e164.to_owned())
}

pub fn validate_timezone(input: &str) -> Result<chrono_tz::Tz, String> {
    input.trim().parse::<chrono_tz::Tz>().map_err(|_| "Choose a timezone from the list.".to_owned())
}

pub fn timezone_names() -> Vec<String> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name().to_owned()).collect()
}

pub async fn profile_view(
    db: &DatabaseConnection,
    user: &user::Model,
) -> Result<ProfileView, AppError> {
    let pending = email_change::Entity::find()
        .filter(email_change::Column::UserId.eq(user.id))
        .one(db)
        .await?;
    Ok(present(user, pending))
}

/// The Profile tab's view of a person and their pending email change, if any.
pub fn present(user: &user::Model, pending: Option<email_change::Model>) -> ProfileView {
    let pending = pending.filter(|p| p.expires_at > Utc::now()).map(|p| PendingEmail {
        new_email: p.new_email,
        expires_display: format_in_timezone(p.expires_at, &user.timezone),
    });
    ProfileView {
        full_name: user.full_name.clone(),
        email: user.email.clone(),
        phone: user.phone.as_deref().map(display_phone),
        timezone: user.timezone.clone(),
        avatar_url: user.avatar_hash.as_deref().map(avatar_url),
        initials: crate::ui::avatar::initials(&user.full_name),
        avatar_colour: crate::ui::avatar::avatar_colour(user.id).to_owned(),
        pending_email: pending,
    }
}

/// What the Profile form sent.
#[derive(Default, Debug)]
pub struct ProfileSubmission {
    pub full_name: String,
    pub phone: String,
    pub timezone: String,
    pub remove_photo: bool,
    pub photo: Option<Vec<u8>>,
    /// The photo part was larger than the limit; its bytes were not kept.
    pub photo_too_large: bool,
}

/// Validates everything first and changes nothing unless every field is valid.
pub async fn save_profile(
    state: &AppState,
    user_id: i32,
    form: ProfileSubmission,
) -> Result<ProfileView, AppError> {
    let mut errors = Vec::new();
    let mut push =
        |field: &str, message: String| errors.push(FieldError { field: field.into(), message });

    let full_name = rules::full_name(&form.full_name).map_err(|m| push("full_name", m)).ok();
    let phone = normalise_phone(&form.phone, &state.config.default_phone_region)
        .map_err(|m| push("phone", m))
        .ok();
    let timezone = validate_timezone(&form.timezone).map_err(|m| push("timezone", m)).ok();
    let photo = if form.photo_too_large {
        push("photo", rules::PHOTO_TOO_LARGE.into());
        None
    } else if let Some(bytes) = form.photo.filter(|b| !b.is_empty()) {
        // Decoding a photo takes up to 128 MiB: it waits its turn in the bounded pool.
        let processed = CpuPool::shared().run(move || photo::process(&bytes)).await?;
        match processed {
            Ok(jpeg) => Some(jpeg),
            Err(err) => {
                if let photo::PhotoError::Encoding(cause) = &err {
                    tracing::warn!(%cause, "re-encoding a photo failed");
                }
                push("photo", err.message().into());
                None
            }
        }
    } else {
        None
    };
    let (Some(full_name), Some(phone), Some(timezone)) = (full_name, phone, timezone) else {
        return Err(AppError::Invalid { fields: errors });
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors });
    }

    let txn = state.db.begin().await?;
    let user = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(AppError::Unauthorized)?;
    let now = Utc::now();
    let mut avatar_hash = user.avatar_hash.clone();
    if let Some(jpeg) = photo {
        let hash = sha256_hex(&jpeg);
        avatar::Entity::insert(avatar::ActiveModel {
            user_id: Set(user_id),
            hash: Set(hash.clone()),
            content_type: Set(photo::AVATAR_CONTENT_TYPE.to_owned()),
            bytes: Set(jpeg),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(avatar::Column::UserId)
                .update_columns([
                    avatar::Column::Hash,
                    avatar::Column::ContentType,
                    avatar::Column::Bytes,
                    avatar::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        avatar_hash = Some(hash);
    } else if form.remove_photo {
        avatar::Entity::delete_by_id(user_id).exec(&txn).await?;
        avatar_hash = None;
    }
    let mut active = user.into_active_model();
    active.full_name = Set(full_name);
    active.phone = Set(phone);
    active.timezone = Set(timezone.name().to_owned());
    active.avatar_hash = Set(avatar_hash);
    active.updated_at = Set(now);
    let saved = active.update(&txn).await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id });
    profile_view(&state.db, &saved).await
}

async fn ensure_email_free(
    db: &impl sea_orm::ConnectionTrait,
    email: &str,
    user_id: i32,
) -> Result<(), AppError> {
    let taken = user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await?;
    match taken {
        Some(other) if other.id != user_id => {
            Err(AppError::field("new_email", "That email is already used by another account."))
        }
        _ => Ok(()),
    }
}

/// Starts a login-email change: checks the password, stores a pending change with a fresh
/// link (replacing any earlier one) and mails the link to the new address.
pub async fn request_email_change(
    state: &AppState,
    user_id: i32,
    new_email: &str,
    current_password: String,
) -> Result<ProfileView, AppError> {
    let user = load_user(&state.db, user_id).await?;
    let new_email = normalise_email(new_email).map_err(|m| AppError::field("new_email", m))?;
    if new_email == user.email {
        return Err(AppError::field("new_email", "This is already your login email."));
    }
    if current_password.is_empty() {
        return Err(AppError::field("current_password", "Enter your current password."));
    }
    check_password_for(state, &user, current_password, "current_password").await?;
    ensure_email_free(&state.db, &new_email, user.id).await?;

    let token = new_token();
    let cancel_token = new_token();
    let now = Utc::now();
    let txn = state.db.begin().await?;
    // A write on the person's row first: concurrent requests of one person queue here, so
    // the count below holds for sixty requests at once as for one.
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::col(user::Column::UpdatedAt))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let recent: Vec<chrono::DateTime<Utc>> = email_change_request::Entity::find()
        .filter(email_change_request::Column::UserId.eq(user.id))
        .filter(email_change_request::Column::CreatedAt.gt(now - chrono::Duration::days(1)))
        .order_by_asc(email_change_request::Column::CreatedAt)
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.created_at)
        .collect();
    if let Some(wait) = request_wait(&recent, now) {
        return Err(AppError::RateLimited { retry_after_seconds: wait });
    }
    email_change_request::ActiveModel {
        user_id: Set(user.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    email_change::Entity::delete_many()
        .filter(email_change::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    email_change::ActiveModel {
        user_id: Set(user.id),
        new_email: Set(new_email.clone()),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + EMAIL_LINK_LIFETIME),
        cancel_token_hash: Set(Some(hash_token(&cancel_token))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id: user.id });
    state
        .mailer
        .send(messages::confirm_new_email(&state.config, &user, &new_email, &token))
        .await?;
    // The old address hears of it now, with a way to stop it, not only once it is done.
    let when = format_in_timezone(now, &user.timezone);
    let notice =
        messages::email_change_requested(&state.config, &user, &new_email, &when, &cancel_token);
    if let Err(err) = state.mailer.send(notice).await {
        tracing::warn!(?err, "could not tell the old address of an email change");
    }
    profile_view(&state.db, &user).await
}

/// How long until another email change may be requested, given the times of the requests
/// of the last day (oldest first): at most `REQUESTS_PER_BURST` in `BURST_WINDOW` and
/// `REQUESTS_PER_DAY` a day, since each request mails two addresses.
fn request_wait(recent: &[chrono::DateTime<Utc>], now: chrono::DateTime<Utc>) -> Option<u64> {
    let wait_until = |oldest: chrono::DateTime<Utc>, window: chrono::Duration| {
        ((oldest + window - now).num_seconds().max(1)) as u64
    };
    if recent.len() >= REQUESTS_PER_DAY {
        return Some(wait_until(
            recent[recent.len() - REQUESTS_PER_DAY],
            chrono::Duration::days(1),
        ));
    }
    let burst: Vec<_> = recent.iter().filter(|at| **at > now - BURST_WINDOW).collect();
    if burst.len() >= REQUESTS_PER_BURST {
        return Some(wait_until(*burst[burst.len() - REQUESTS_PER_BURST], BURST_WINDOW));
    }
    None
}

/// The "cancel" link sent to the old address: stops a pending change without signing in
/// (whoever asked for it may also know the password). Single use, like the confirmation.
pub async fn cancel_email_change_by_link(state: &AppState, token: &str) -> Result<(), AppError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Rejected(CANCEL_LINK_INVALID.into()));
    }
    let invalid = || AppError::Rejected(CANCEL_LINK_INVALID.into());
    let pending = email_change::Entity::find()
        .filter(email_change::Column::CancelTokenHash.eq(hash_token(token)))
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    // Single use: only the request that deletes the row goes on.
    let cancelled = email_change::Entity::delete_by_id(pending.id).exec(&state.db).await?;
    if cancelled.rows_affected != 1 {
        return Err(invalid());
    }
    state.live.publish(LiveEvent::AccountChanged { user_id: pending.user_id });
    tracing::info!("a pending email change was cancelled from the old address");
    Ok(())
}

const CANCEL_LINK_INVALID: &str = "This link is invalid or was already used, or the change was \
     already confirmed, cancelled or replaced. Your login email is as your Profile settings show it.";

/// Sends the pending change's link again, as a new link (the old one stops working).
pub async fn resend_email_change(state: &AppState, user_id: i32) -> Result<ProfileView, AppError> {
    let user = load_user(&state.db, user_id).await?;
    let pending = email_change::Entity::find()
        .filter(email_change::Column::UserId.eq(user.id))
        .one(&state.db)
        .await?
        .filter(|p| p.expires_at > Utc::now())
        .ok_or_else(|| {
            AppError::Rejected("There is no email change waiting for confirmation.".into())
        })?;
    let now = Utc::now();
    let wait = pending.created_at + RESEND_INTERVAL - now;
    if wait > chrono::Duration::zero() {
        return Err(AppError::RateLimited {
            retry_after_seconds: wait.num_seconds().max(1) as u64,
        });
    }
    let token = new_token();
    let new_email = pending.new_email.clone();
    let mut active = pending.into_active_model();
    active.token_hash = Set(hash_token(&token));
    active.created_at = Set(now);
    active.expires_at = Set(now + EMAIL_LINK_LIFETIME);
    active.update(&state.db).await?;
    state.live.publish(LiveEvent::AccountChanged { user_id: user.id });
    state
        .mailer
        .send(messages::confirm_new_email(&state.config, &user, &new_email, &token))
        .await?;
    profile_view(&state.db, &user).await
}

pub async fn cancel_email_change(state: &AppState, user_id: i32) -> Result<ProfileView, AppError> {
    let user = load_user(&state.db, user_id).await?;
    email_change::Entity::delete_many()
        .filter(email_change::Column::UserId.eq(user.id))
        .exec(&state.db)
        .await?;
    state.live.publish(LiveEvent::AccountChanged { user_id: user.id });
    profile_view(&state.db, &user).await
}

const LINK_INVALID: &str = "This confirmation link is invalid, was already used, or has expired. Request a new one from your Profile settings.";

/// Opens a confirmation link: single use (the pending row is deleted in the same
/// transaction that changes the email), valid for 24 hours. Tells the old address.
pub async fn confirm_email_change(
    state: &AppState,
    token: &str,
    client: &Client,
) -> Result<String, AppError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Rejected(LINK_INVALID.into()));
    }
    let txn = state.db.begin().await?;
    let Some(pending) = email_change::Entity::find()
        .filter(email_change::Column::TokenHash.eq(hash_token(token)))
        .one(&txn)
        .await?
    else {
        return Err(AppError::Rejected(LINK_INVALID.into()));
    };
    // Single use: only the request that deletes the row goes on.
    let deleted = email_change::Entity::delete_by_id(pending.id).exec(&txn).await?;
    if deleted.rows_affected != 1 || pending.expires_at <= Utc::now() {
        txn.commit().await?;
        state.live.publish(LiveEvent::AccountChanged { user_id: pending.user_id });
        return Err(AppError::Rejected(LINK_INVALID.into()));
    }
    let user = user::Entity::find_by_id(pending.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Rejected(LINK_INVALID.into()))?;
    if let Err(AppError::Invalid { .. }) =
        ensure_email_free(&txn, &pending.new_email, user.id).await
    {
        txn.commit().await?;
        state.live.publish(LiveEvent::AccountChanged { user_id: user.id });
        return Err(AppError::Rejected(
            "That email address is now used by another account, so it cannot become your login."
                .into(),
        ));
    }
    let old_email = user.email.clone();
    let mut active = user.clone().into_active_model();
    active.email = Set(pending.new_email.clone());
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id: user.id });
    audit::record(&state.db, user.id, SecurityEventKind::EmailChanged, client).await;

    // The change is done; a notice that could not be made or sent is logged, not shown as
    // a failed change.
    if let Err(err) = tell_old_address(state, &user, &old_email, &pending.new_email, client).await {
        tracing::warn!(?err, "could not send the email-change notice");
    }
    Ok(pending.new_email)
}

/// The old address is told, with a "This wasn't me" that would bring the login back to it.
async fn tell_old_address(
    state: &AppState,
    user: &user::Model,
    old_email: &str,
    new_email: &str,
    client: &Client,
) -> Result<(), AppError> {
    let when = format_in_timezone(Utc::now(), &user.timezone);
    let device = crate::backend::display::describe_user_agent(&client.user_agent);
    let from = format!("{} on {} ({})", device.browser, device.os, client.address);
    let wasnt_me = crate::backend::credentials::wasnt_me_link_restoring(
        &state.db,
        &state.config,
        user.id,
        old_email,
    )
    .await?;
    let notice = messages::login_email_changed(user, old_email, new_email, &when, &from, &wasnt_me);
    state.mailer.send(notice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_strict_and_lower_cased() {
        assert_eq!(
            normalise_email("  Alex.Morgan@Example.COM ").unwrap(),
            "alex.morgan@example.com"
        );
        assert!(normalise_email("Alex <alex@example.com>").is_err(), "display names");
        assert!(normalise_email("alex@[127.0.0.1]").is_err(), "IP literals");
        assert!(normalise_email("alex@localhost").is_err(), "no top-level domain");
        assert!(normalise_email("not an email").is_err());
        assert!(normalise_email("").is_err());
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalise_phone("+44 20 7946 0958", "US").unwrap().as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalise_phone("(415) 555-2671", "US").unwrap().as_deref(),
            Some("+14155552671")
        );
        assert_eq!(normalise_phone("  ", "US").unwrap(), None);
        assert!(normalise_phone("+1 555", "US").is_err());
        assert!(normalise_phone("+999 1234 5678", "US").is_err());
        assert!(normalise_phone("phone me", "US").is_err());
        assert_eq!(display_phone("+14155552671"), "+1 415-555-2671");
    }

    #[test]
    fn timezones_come_from_the_iana_list() {
        assert!(validate_timezone("Europe/London").is_ok());
        assert!(validate_timezone("Mars/Olympus_Mons").is_err());
        assert!(timezone_names().iter().any(|n| n == "America/New_York"));
    }
}
