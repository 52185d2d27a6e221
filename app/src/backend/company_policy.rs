//! Each company's security policy, applied where it belongs. A person's account is global
//! (name, password, 2FA, passkeys); what a company may govern comes from the company:
//!
//! - "Require 2FA": after the grace period, a member without an authenticator app is kept
//!   out of that company's data (`two_factor_gate`, called by `CompanyScope::current`)
//!   until they set one up; their other companies are not affected. Nobody can turn 2FA
//!   off while a company of theirs requires it.
//! - Idle timeout and maximum session length: a session obeys the company it works in.
//!   The limits are copied onto the session row (`limits_for_sessions`) when it starts,
//!   moves to another company, or the policy changes, so checking a session reads no other
//!   row; the server's own limits still apply when they are shorter.
//! - "Allow remembered devices": sign-in-wide, so the strictest of the person's companies
//!   applies.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entities::{company, membership, session, totp_credential};
use super::state::RuntimeConfig;
use crate::error::AppError;

/// The idle timeouts an Admin may choose, in minutes: 15 minutes to 30 days.
pub const IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<i32> = 15..=30 * 24 * 60;
/// The maximum session lengths an Admin may choose, in hours: 1 hour to 90 days.
pub const MAX_SESSION_RANGE: std::ops::RangeInclusive<i32> = 1..=90 * 24;
/// The grace periods an Admin may choose before 2FA is enforced, in days.
pub const GRACE_DAYS_RANGE: std::ops::RangeInclusive<i32> = 0..=30;

/// "15 minutes", "1 hour", "8 hours", "1 day", "30 days": a policy's duration in words.
pub fn duration_words(minutes: i64) -> String {
    let (count, unit) = if minutes % (24 * 60) == 0 {
        (minutes / (24 * 60), "day")
    } else if minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// How long a session may sit unused, and when it ends whatever its use.
pub fn session_lifetime(config: &RuntimeConfig, row: &session::Model) -> (Duration, DateTime<Utc>) {
    let idle = row
        .idle_timeout_minutes
        .map(|m| Duration::minutes(i64::from(m)).min(config.session_idle))
        .unwrap_or(config.session_idle);
    let ends_at = row
        .max_session_hours
        .map(|h| (row.created_at + Duration::hours(i64::from(h))).min(row.expires_at))
        .unwrap_or(row.expires_at);
    (idle, ends_at)
}

/// Whether a session row is still live now, by its own and its company's limits.
pub fn is_live(config: &RuntimeConfig, row: &session::Model, now: DateTime<Utc>) -> bool {
    let (idle, ends_at) = session_lifetime(config, row);
    ends_at > now && row.last_seen_at + idle > now
}

/// The limits a session working in `company_id` carries: (idle minutes, max hours).
pub async fn limits_of(
    db: &impl ConnectionTrait,
    company_id: Option<i32>,
) -> Result<(Option<i32>, Option<i32>), AppError> {
    let Some(company_id) = company_id else { return Ok((None, None)) };
    Ok(company::Entity::find_by_id(company_id)
        .one(db)
        .await?
        .map_or((None, None), |c| (c.idle_timeout_minutes, c.max_session_hours)))
}

/// Copies a company's limits onto every session working in it (after a policy change).
pub async fn limits_for_sessions(
    db: &impl ConnectionTrait,
    company: &company::Model,
) -> Result<Vec<i32>, AppError> {
    let ids: Vec<i32> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::CompanyId.eq(company.id))
        .into_tuple()
        .all(db)
        .await?;
    session::Entity::update_many()
        .col_expr(session::Column::IdleTimeoutMinutes, Expr::value(company.idle_timeout_minutes))
        .col_expr(session::Column::MaxSessionHours, Expr::value(company.max_session_hours))
        .filter(session::Column::CompanyId.eq(company.id))
        .exec(db)
        .await?;
    Ok(ids)
}

/// Where a company stands on 2FA for its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoFactorRule {
    NotRequired,
    /// Required from this moment; until then members are reminded.
    GracePeriod {
        until: DateTime<Utc>,
    },
    Required,
}

pub fn two_factor_rule(company: &company::Model, now: DateTime<Utc>) -> TwoFactorRule {
    match company.two_factor_required_from {
        None => TwoFactorRule::NotRequired,
        Some(from) if from > now => TwoFactorRule::GracePeriod { until: from },
        Some(_) => TwoFactorRule::Required,
    }
}

/// Whether the person has an authenticator app: what "2FA on" means for a policy (a
/// passkey alone still lets the password sign in without a second factor).
pub async fn has_authenticator_app(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<bool, AppError> {
    Ok(totp_credential::Entity::find_by_id(user_id)
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// Which of these people have an authenticator app, in one query.
pub async fn with_authenticator_app(
    db: &impl ConnectionTrait,
    user_ids: Vec<i32>,
) -> Result<Vec<i32>, AppError> {
    Ok(totp_credential::Entity::find()
        .select_only()
        .column(totp_credential::Column::UserId)
        .filter(totp_credential::Column::UserId.is_in(user_ids))
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?)
}

/// Refuses a company's data to a member without 2FA once the company requires it.
pub async fn two_factor_gate(
    db: &impl ConnectionTrait,
    company: &company::Model,
    user_id: i32,
) -> Result<(), AppError> {
    if two_factor_rule(company, Utc::now()) == TwoFactorRule::Required
        && !has_authenticator_app(db, user_id).await?
    {
        return Err(AppError::TwoFactorRequired { company: company.name.clone() });
    }
    Ok(())
}

/// The person's companies that require 2FA (now or after a grace period), by name.
pub async fn companies_requiring_two_factor(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<company::Model>, AppError> {
    let ids: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::CompanyId)
        .filter(membership::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut companies = company::Entity::find()
        .filter(company::Column::Id.is_in(ids))
        .filter(company::Column::TwoFactorRequiredFrom.is_not_null())
        .all(db)
        .await?;
    companies.sort_by_cached_key(|c| c.name.to_lowercase());
    Ok(companies)
}

/// Whether the person may skip the second step on a remembered device: the server allows
/// it and none of their companies forbids it.
pub async fn remembered_devices_allowed(
    db: &impl ConnectionTrait,
    config: &RuntimeConfig,
    user_id: i32,
) -> Result<bool, AppError> {
    if !config.allow_remembered_devices {
        return Ok(false);
    }
    let ids: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::CompanyId)
        .filter(membership::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    let forbidding = company::Entity::find()
        .filter(company::Column::Id.is_in(ids))
        .filter(company::Column::AllowRememberedDevices.eq(false))
        .one(db)
        .await?;
    Ok(forbidding.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RuntimeConfig {
        RuntimeConfig {
            public_url: "http://localhost:3000".into(),
            secure_cookies: false,
            session_idle: Duration::days(7),
            session_absolute: Duration::days(30),
            default_phone_region: "US".into(),
            trusted_proxies: Default::default(),
            forwarded_header: Default::default(),
            allow_remembered_devices: true,
            notification_retention: chrono::Duration::days(180),
        }
    }

    fn row(idle: Option<i32>, max: Option<i32>) -> session::Model {
        let created = Utc::now() - Duration::hours(2);
        session::Model {
            id: 1,
            token_hash: String::new(),
            user_id: 1,
            company_id: Some(1),
            user_agent: String::new(),
            client_address: String::new(),
            created_at: created,
            last_seen_at: created,
            expires_at: created + Duration::days(30),
            password_confirmed_at: created,
            sign_in_notice: None,
            idle_timeout_minutes: idle,
            max_session_hours: max,
        }
    }

    #[test]
    fn a_session_obeys_the_stricter_of_the_server_and_its_company() {
        let config = config();
        let plain = row(None, None);
        assert_eq!(session_lifetime(&config, &plain), (Duration::days(7), plain.expires_at));
        let strict = row(Some(30), Some(8));
        let (idle, ends) = session_lifetime(&config, &strict);
        assert_eq!(idle, Duration::minutes(30));
        assert_eq!(ends, strict.created_at + Duration::hours(8));
        // A company cannot lengthen what the server allows.
        let lenient = row(Some(30 * 24 * 60), Some(90 * 24));
        assert_eq!(session_lifetime(&config, &lenient), (Duration::days(7), lenient.expires_at));
        // Two hours idle: dead under a 30-minute company, live under the server's 7 days.
        let now = Utc::now();
        assert!(!is_live(&config, &strict, now));
        assert!(is_live(&config, &plain, now));
        assert!(!is_live(&config, &row(None, Some(1)), now), "past its 1-hour maximum");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(15), "15 minutes");
        assert_eq!(duration_words(60), "1 hour");
        assert_eq!(duration_words(90), "90 minutes");
        assert_eq!(duration_words(8 * 60), "8 hours");
        assert_eq!(duration_words(24 * 60), "1 day");
        assert_eq!(duration_words(30 * 24 * 60), "30 days");
    }

    #[test]
    fn the_2fa_rule_turns_at_the_end_of_the_grace_period() {
        let now = Utc::now();
        let mut company = company::Model {
            id: 1,
            name: "Firm".into(),
            created_at: now,
            two_factor_required_from: None,
            two_factor_grace_days: 0,
            idle_timeout_minutes: None,
            max_session_hours: None,
            allow_remembered_devices: true,
            acknowledge_negative_sentiment: false,
            acknowledge_missed_call: false,
            escalation_minutes: 30,
            escalation_contact_id: None,
        };
        assert_eq!(two_factor_rule(&company, now), TwoFactorRule::NotRequired);
        let until = now + Duration::days(7);
        company.two_factor_required_from = Some(until);
        assert_eq!(two_factor_rule(&company, now), TwoFactorRule::GracePeriod { until });
        assert_eq!(
            two_factor_rule(&company, until - Duration::seconds(1)),
            TwoFactorRule::GracePeriod { until }
        );
        assert_eq!(two_factor_rule(&company, until), TwoFactorRule::Required);
    }
}
