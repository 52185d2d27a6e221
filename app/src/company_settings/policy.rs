//! "Security policy" (Admins): whether the company requires 2FA (with a grace period), how
//! long its sessions may sit idle and last, and whether remembered devices may skip the
//! second step. Saving copies the session limits onto the company's sessions, tells every
//! member's open pages, writes the audit log, and emails members who still need 2FA.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::api::{PolicyChoice, REQUIRE_NEEDS_YOUR_2FA, SecurityPolicyInput, SecurityPolicyView};
use crate::backend::AppState;
use crate::backend::audit::{self, Client, CompanyAction, SecurityEventKind};
use crate::backend::company_policy::{
    self, GRACE_DAYS_RANGE, IDLE_TIMEOUT_RANGE, MAX_SESSION_RANGE, TwoFactorRule, duration_words,
};
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{company, membership, two_factor_reminder, user};
use crate::backend::live::LiveEvent;
use crate::backend::mail::messages;
use crate::backend::scope::CompanyScope;
use crate::backend::users::load_user;
use crate::error::{AppError, FieldError};

/// The idle timeouts offered, in minutes.
const IDLE_CHOICES: [i32; 9] =
    [15, 30, 60, 4 * 60, 8 * 60, 24 * 60, 3 * 24 * 60, 7 * 24 * 60, 30 * 24 * 60];
/// The maximum session lengths offered, in hours.
const MAX_CHOICES: [i32; 7] = [8, 12, 24, 3 * 24, 7 * 24, 30 * 24, 90 * 24];

fn choices(values: &[i32], to_minutes: i32, server_limit: Duration) -> Vec<PolicyChoice> {
    values
        .iter()
        .filter(|v| Duration::minutes(i64::from(**v * to_minutes)) <= server_limit)
        .map(|v| PolicyChoice { value: *v, label: duration_words(i64::from(*v * to_minutes)) })
        .collect()
}

pub async fn get(state: &AppState, scope: &CompanyScope) -> Result<SecurityPolicyView, AppError> {
    scope.require_admin()?;
    let company = company::Entity::find_by_id(scope.company_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = load_user(&state.db, scope.user_id).await?;
    let without = members_without_two_factor(state, scope.company_id).await?;
    let now = Utc::now();
    Ok(SecurityPolicyView {
        company: company.name.clone(),
        require_two_factor: company.two_factor_required_from.is_some(),
        grace_days: company.two_factor_grace_days,
        required_from: match company_policy::two_factor_rule(&company, now) {
            TwoFactorRule::GracePeriod { until } => Some(format_in_timezone(until, &me.timezone)),
            _ => None,
        },
        members_without_two_factor: without.len() as u64,
        i_have_two_factor: company_policy::has_authenticator_app(&state.db, me.id).await?,
        idle_timeout_minutes: company.idle_timeout_minutes,
        max_session_hours: company.max_session_hours,
        allow_remembered_devices: company.allow_remembered_devices,
        idle_choices: choices(&IDLE_CHOICES, 1, state.config.session_idle),
        max_choices: choices(&MAX_CHOICES, 60, state.config.session_absolute),
        server_idle: duration_words(state.config.session_idle.num_minutes()),
        server_max: duration_words(state.config.session_absolute.num_minutes()),
    })
}

/// The company's members who have no authenticator app (two queries, whatever the size).
async fn members_without_two_factor(
    state: &AppState,
    company_id: i32,
) -> Result<Vec<user::Model>, AppError> {
    let ids: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::CompanyId.eq(company_id))
        .into_tuple()
        .all(&state.db)
        .await?;
    let with_app = company_policy::with_authenticator_app(&state.db, ids.clone()).await?;
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Id.is_not_in(with_app))
        .all(&state.db)
        .await?)
}

fn validate(input: &SecurityPolicyInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !GRACE_DAYS_RANGE.contains(&input.grace_days) {
        errors.push(("grace_days", "Choose from 0 to 30 days."));
    }
    if input.idle_timeout_minutes.is_some_and(|m| !IDLE_TIMEOUT_RANGE.contains(&m)) {
        errors.push(("idle_timeout_minutes", "Choose from 15 minutes to 30 days."));
    }
    if input.max_session_hours.is_some_and(|h| !MAX_SESSION_RANGE.contains(&h)) {
        errors.push(("max_session_hours", "Choose from 1 hour to 90 days."));
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(AppError::Invalid {
        fields: errors
            .into_iter()
            .map(|(field, message)| FieldError { field: field.to_owned(), message: message.into() })
            .collect(),
    })
}

/// What changed, for the audit log: "Require 2FA: on, 7 days' grace; idle timeout: 30
/// minutes".
fn describe(before: &company::Model, after: &company::Model) -> String {
    let mut parts = Vec::new();
    if before.two_factor_required_from.is_some() != after.two_factor_required_from.is_some()
        || before.two_factor_grace_days != after.two_factor_grace_days
    {
        parts.push(match after.two_factor_required_from {
            Some(_) => format!(
                "Require 2FA: on, {} day{} of grace",
                after.two_factor_grace_days,
                if after.two_factor_grace_days == 1 { "" } else { "s" }
            ),
            None => "Require 2FA: off".to_owned(),
        });
    }
    let minutes = |m: Option<i32>, default: &str| {
        m.map_or_else(|| default.to_owned(), |m| duration_words(i64::from(m)))
    };
    if before.idle_timeout_minutes != after.idle_timeout_minutes {
        parts.push(format!(
            "idle timeout: {}",
            minutes(after.idle_timeout_minutes, "server default")
        ));
    }
    if before.max_session_hours != after.max_session_hours {
        parts.push(format!(
            "maximum session: {}",
            minutes(after.max_session_hours.map(|h| h * 60), "server default")
        ));
    }
    if before.allow_remembered_devices != after.allow_remembered_devices {
        parts.push(format!(
            "remembered devices: {}",
            if after.allow_remembered_devices { "allowed" } else { "not allowed" }
        ));
    }
    parts.join("; ")
}

pub async fn save(
    state: &AppState,
    scope: &CompanyScope,
    input: SecurityPolicyInput,
) -> Result<(), AppError> {
    scope.require_admin()?;
    validate(&input)?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let before = company::Entity::find_by_id(scope.company_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let required_from = match (input.require_two_factor, before.two_factor_required_from) {
        (false, _) => None,
        // Unchanged: the deadline already announced stands.
        (true, Some(from)) if before.two_factor_grace_days == input.grace_days => Some(from),
        (true, _) => Some(now + Duration::days(i64::from(input.grace_days))),
    };
    let newly_required =
        required_from.is_some() && required_from != before.two_factor_required_from;
    // An Admin without 2FA would lock themselves out with a deadline they set.
    if newly_required && !company_policy::has_authenticator_app(&txn, scope.user_id).await? {
        return Err(AppError::Rejected(REQUIRE_NEEDS_YOUR_2FA.into()));
    }
    let mut active = before.clone().into_active_model();
    active.two_factor_required_from = Set(required_from);
    active.two_factor_grace_days = Set(input.grace_days);
    active.idle_timeout_minutes = Set(input.idle_timeout_minutes);
    active.max_session_hours = Set(input.max_session_hours);
    active.allow_remembered_devices = Set(input.allow_remembered_devices);
    let after = active.update(&txn).await?;
    company_policy::limits_for_sessions(&txn, &after).await?;
    if required_from != before.two_factor_required_from {
        // A new deadline earns a new reminder.
        two_factor_reminder::Entity::delete_many()
            .filter(two_factor_reminder::Column::CompanyId.eq(after.id))
            .exec(&txn)
            .await?;
    }
    let members: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::CompanyId.eq(after.id))
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    // Cached sessions carry the old limits; open pages show the new banners and timers.
    for user_id in members {
        state.live.publish(LiveEvent::CompaniesChanged { user_id });
    }
    let detail = describe(&before, &after);
    tracing::info!(company_id = after.id, by = scope.user_id, %detail, "security policy changed");
    if !detail.is_empty() {
        let action = CompanyAction {
            company_id: after.id,
            actor_id: scope.user_id,
            subject_id: None,
            kind: SecurityEventKind::SecurityPolicyChanged,
            detail,
        };
        audit::record_in_company(&state.db, action, &Client::of_request()).await;
    }
    if newly_required {
        tell_members_without_two_factor(state, &after).await?;
    }
    Ok(())
}

/// Emails every member without 2FA that the company requires it, and from when.
async fn tell_members_without_two_factor(
    state: &AppState,
    company: &company::Model,
) -> Result<(), AppError> {
    for person in members_without_two_factor(state, company.id).await? {
        if let Err(err) = send_requirement(state, company, &person).await {
            tracing::warn!(?err, "could not send a 2FA requirement notice");
        }
    }
    Ok(())
}

/// "<company> requires two-factor authentication", from its deadline (or now, once past).
async fn send_requirement(
    state: &AppState,
    company: &company::Model,
    person: &user::Model,
) -> Result<(), AppError> {
    let from = company.two_factor_required_from.filter(|from| *from > Utc::now());
    let from = from.map(|at| format_in_timezone(at, &person.timezone));
    let email =
        messages::two_factor_required(&state.config, person, &company.name, from.as_deref());
    state.mailer.send(email).await
}

/// The reminder job: members still without 2FA, two days or less before a company's grace
/// period ends, are reminded once. The reminder row is claimed before the email is sent
/// (its unique index), so two instances running the job at once send one email.
pub async fn send_due_reminders(state: &AppState) -> Result<u64, AppError> {
    let now = Utc::now();
    let companies = company::Entity::find()
        .filter(company::Column::TwoFactorRequiredFrom.gt(now))
        .filter(company::Column::TwoFactorRequiredFrom.lte(now + Duration::days(2)))
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for company in companies {
        for person in members_without_two_factor(state, company.id).await? {
            let claim = two_factor_reminder::ActiveModel {
                company_id: Set(company.id),
                user_id: Set(person.id),
                sent_at: Set(now),
                ..Default::default()
            }
            .insert(&state.db)
            .await;
            if claim.is_err() {
                continue; // Reminded already (or by another instance just now).
            }
            match send_requirement(state, &company, &person).await {
                Ok(()) => sent += 1,
                Err(err) => tracing::warn!(?err, "could not send a 2FA reminder"),
            }
        }
    }
    Ok(sent)
}
