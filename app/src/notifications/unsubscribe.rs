//! One-click unsubscribe (RFC 8058): every notification email carries a signed link that
//! turns off email for its event in the settings that sent it (the firm's own copy, else
//! the person's defaults); a digest's link turns off every notification email. The link
//! is `user.company.event.signature`, signed with the server's secret
//! (`backend::signed_links`): nothing is stored per email, it works without signing in,
//! and using it twice changes nothing more.

use sea_orm::{ConnectionTrait, EntityTrait};

use super::api::UnsubscribeChoice;
use super::events::{Event, Method};
use super::server::{self as settings, DEFAULTS};
use crate::backend::entities::user;
use crate::backend::mail::links;
use crate::backend::mail::messages::Unsubscribe;
use crate::backend::scope::company_name;
use crate::backend::signed_links;
use crate::backend::state::RuntimeConfig;
use crate::error::AppError;

const SECRET: &str = "unsubscribe_links";
/// What a digest's link names instead of an event.
const ALL_EMAIL: &str = "all";

/// What a link turns off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub user_id: i32,
    /// The company whose email it was (0 for a digest).
    pub company_id: i32,
    /// `None`: every notification email (a digest's link).
    pub event: Option<Event>,
}

impl Target {
    fn claim(&self) -> String {
        let event = self.event.map_or(ALL_EMAIL, Event::key);
        format!("{}.{}.{event}", self.user_id, self.company_id)
    }
}

fn message(claim: &str) -> String {
    format!("unsubscribe v1 {claim}")
}

/// The signed link's text (the part after `?link=`).
pub async fn sign(db: &impl ConnectionTrait, target: Target) -> Result<String, AppError> {
    let secret = signed_links::secret(db, SECRET).await?;
    let claim = target.claim();
    Ok(format!("{claim}.{}", signed_links::sign(&secret, &message(&claim))?))
}

/// The target of a signed link, or "no longer works" for anything else (a changed or
/// truncated link looks like a made-up one).
pub async fn verify(db: &impl ConnectionTrait, link: &str) -> Result<Target, AppError> {
    let refused = || {
        AppError::Rejected("This unsubscribe link does not work. Choose which emails you get in your notification settings.".into())
    };
    let (claim, signature) = link.trim().rsplit_once('.').ok_or_else(refused)?;
    let secret = signed_links::secret(db, SECRET).await?;
    if !signed_links::verify(&secret, &message(claim), signature) {
        return Err(refused());
    }
    let mut parts = claim.splitn(3, '.');
    let (Some(user), Some(company), Some(event)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(refused());
    };
    let event = match event {
        ALL_EMAIL => None,
        key => Some(Event::from_key(key).ok_or_else(refused)?),
    };
    Ok(Target {
        user_id: user.parse().map_err(|_| refused())?,
        company_id: company.parse().map_err(|_| refused())?,
        event,
    })
}

/// The footer and header of a notification email about `event` in `company_id` (named
/// `company`: the email has just read it).
pub async fn for_notification(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
    (company_id, company): (i32, &str),
    event: Event,
) -> Result<Unsubscribe, AppError> {
    let signed = sign(db, Target { user_id, company_id, event: Some(event) }).await?;
    let rows = settings::stored_rows(db, &[user_id], company_id)
        .await?
        .remove(&user_id)
        .unwrap_or_default();
    let settings = if rows.applying_in(company_id) == company_id {
        format!("your settings for {company}")
    } else {
        "your default settings".to_owned()
    };
    let reason = if rows.resolve(company_id, event).0.email {
        format!("You get this email because “{}” emails are on in {settings}.", event.label())
    } else {
        // Email is off for it: a test the person asked for, or an alert escalated to them.
        "This email was sent to you directly, whatever your settings: a test you asked for, or an alert your firm wants seen.".to_owned()
    };
    Ok(Unsubscribe {
        reason,
        link: links::unsubscribe(config, &signed),
        label: "Turn off these emails",
    })
}

/// The footer and header of a digest: its link turns off every notification email.
pub async fn for_digest(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
) -> Result<Unsubscribe, AppError> {
    let signed = sign(db, Target { user_id, company_id: DEFAULTS, event: None }).await?;
    Ok(Unsubscribe {
        reason: "You get this digest because notification emails are on in your settings."
            .to_owned(),
        link: links::unsubscribe(config, &signed),
        label: "Turn off notification emails",
    })
}

/// What the link's page says: what it turns off, where, and whether it already is.
pub async fn describe(
    db: &impl ConnectionTrait,
    target: Target,
) -> Result<UnsubscribeChoice, AppError> {
    if user::Entity::find_by_id(target.user_id).one(db).await?.is_none() {
        return Err(AppError::Rejected("This unsubscribe link no longer works.".into()));
    }
    let Some(event) = target.event else {
        let sets = settings::sets_of(db, target.user_id).await?;
        let mut already_off = true;
        for set in sets {
            let matrix = settings::deliveries_in_set(db, target.user_id, set).await?;
            already_off &= matrix.iter().all(|(_, d)| !d.email);
        }
        return Ok(UnsubscribeChoice {
            what: "all notification emails".to_owned(),
            settings: "all your settings".to_owned(),
            already_off,
        });
    };
    let rows = settings::stored_rows(db, &[target.user_id], target.company_id)
        .await?
        .remove(&target.user_id)
        .unwrap_or_default();
    let set = rows.applying_in(target.company_id);
    let settings = if set == DEFAULTS {
        "your default settings".to_owned()
    } else {
        format!("your settings for {}", company_name(db, set).await?)
    };
    Ok(UnsubscribeChoice {
        what: format!("“{}” emails", event.label()),
        settings,
        already_off: !rows.resolve(target.company_id, event).0.email,
    })
}

/// Turns the email off; using the link again changes nothing more.
pub async fn apply(
    db: &sea_orm::DatabaseConnection,
    target: Target,
) -> Result<UnsubscribeChoice, AppError> {
    describe(db, target).await?;
    match target.event {
        Some(event) => {
            let rows = settings::stored_rows(db, &[target.user_id], target.company_id)
                .await?
                .remove(&target.user_id)
                .unwrap_or_default();
            let set = rows.applying_in(target.company_id);
            settings::set_in(db, target.user_id, set, event, Method::Email, false).await?;
        }
        None => {
            for set in settings::sets_of(db, target.user_id).await? {
                for event in Event::ALL {
                    settings::set_in(db, target.user_id, set, event, Method::Email, false).await?;
                }
            }
        }
    }
    tracing::info!(user_id = target.user_id, event = ?target.event, "unsubscribed by link");
    describe(db, target).await
}
