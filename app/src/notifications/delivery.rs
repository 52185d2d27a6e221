//! The delivery worker: sends the email and push deliveries the dispatcher queued. Each row is
//! claimed with one conditional update (`pending` → `sending`), so two workers, in one
//! process or on several servers sharing a database, never both send it; a claim not
//! finished within the lease (the worker died between claim and send) is given back and
//! sent again. A delivery sent is marked `sent` and never sent again; temporary failures
//! are retried with exponential backoff, permanent ones (and the 8th failure) end `failed`,
//! logged. Quiet hours hold a delivery until they end; a digest gathers a person's emails
//! into one per period, grouped by company and case. A push goes to each of the person's
//! devices; a device that took it gets a receipt, so a retry (for a device that failed)
//! never pushes twice to the same device, and a device its push service calls gone is
//! removed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::dispatcher::method_key;
use super::events::{Digest, Event, Method};
use super::timing::{digest_period_end, quiet_until};
use crate::backend::AppState;
use crate::backend::entities::notification_delivery::{
    self as delivery, STATUS_FAILED, STATUS_PENDING, STATUS_SENDING, STATUS_SENT, STATUS_SKIPPED,
};
use crate::backend::entities::{
    case, notification, notification_settings, push_receipt, push_subscription, user,
};
use crate::backend::mail::Email;
use crate::backend::mail::messages::{self, DigestEntry, DigestGroups, NotificationFacts};
use crate::error::AppError;

/// A claim older than this is void: its worker is presumed dead.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(5);
pub const MAX_ATTEMPTS: i32 = 8;
/// How many deliveries one pass looks at.
const BATCH: u64 = 50;
/// How often the server runs a pass.
pub const PASS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// 30 s, 1 min, 2 min, … up to an hour, after the given number of failed attempts.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = (attempts.max(1) - 1).min(7) as u32;
    (chrono::Duration::seconds(30) * 2i32.pow(doublings)).min(chrono::Duration::hours(1))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub held: usize,
    /// Push deliveries for people without a push device.
    pub skipped: usize,
}

/// Claims one pending delivery for this pass. `false` when another worker got it first.
pub async fn claim(state: &AppState, id: i32, now: DateTime<Utc>) -> Result<bool, AppError> {
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, sea_orm::sea_query::Expr::value(STATUS_SENDING))
        .col_expr(delivery::Column::ClaimedAt, sea_orm::sea_query::Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(STATUS_PENDING))
        .exec(&state.db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

async fn set_status(
    state: &AppState,
    id: i32,
    changes: Vec<(delivery::Column, sea_orm::Value)>,
) -> Result<(), AppError> {
    let mut update = delivery::Entity::update_many().filter(delivery::Column::Id.eq(id));
    for (column, value) in changes {
        update = update.col_expr(column, sea_orm::sea_query::Expr::value(value));
    }
    update.exec(&state.db).await?;
    Ok(())
}

/// Back to the queue, due at `at`, without counting an attempt (quiet hours, digest).
async fn hold(state: &AppState, id: i32, at: DateTime<Utc>) -> Result<(), AppError> {
    set_status(
        state,
        id,
        vec![
            (delivery::Column::Status, STATUS_PENDING.into()),
            (delivery::Column::NextAttemptAt, at.into()),
            (delivery::Column::ClaimedAt, Option::<DateTime<Utc>>::None.into()),
        ],
    )
    .await
}

async fn mark_sent(state: &AppState, id: i32, now: DateTime<Utc>) -> Result<(), AppError> {
    set_status(
        state,
        id,
        vec![
            (delivery::Column::Status, STATUS_SENT.into()),
            (delivery::Column::SentAt, now.into()),
        ],
    )
    .await
}

/// Records a failed attempt: retried later, or `failed` for good.
async fn mark_failed_attempt(
    state: &AppState,
    row: &delivery::Model,
    now: DateTime<Utc>,
    error: &str,
    permanent: bool,
) -> Result<bool, AppError> {
    let attempts = row.attempts + 1;
    let gives_up = permanent || attempts >= MAX_ATTEMPTS;
    set_status(
        state,
        row.id,
        vec![
            (
                delivery::Column::Status,
                if gives_up { STATUS_FAILED } else { STATUS_PENDING }.into(),
            ),
            (delivery::Column::Attempts, attempts.into()),
            (delivery::Column::NextAttemptAt, (now + backoff(attempts)).into()),
            (delivery::Column::LastError, Some(error.chars().take(500).collect::<String>()).into()),
            (delivery::Column::ClaimedAt, Option::<DateTime<Utc>>::None.into()),
        ],
    )
    .await?;
    let method = row.method.as_str();
    if gives_up {
        tracing::error!(
            delivery_id = row.id,
            method,
            attempts,
            error,
            "notification delivery failed for good"
        );
    } else {
        tracing::warn!(
            delivery_id = row.id,
            method,
            attempts,
            error,
            "notification delivery failed; will retry"
        );
    }
    Ok(gives_up)
}

/// Gives back claims whose worker died (older than the lease).
async fn release_stale_claims(state: &AppState, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, sea_orm::sea_query::Expr::value(STATUS_PENDING))
        .col_expr(
            delivery::Column::ClaimedAt,
            sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(delivery::Column::Status.eq(STATUS_SENDING))
        .filter(delivery::Column::ClaimedAt.lt(now - LEASE))
        .exec(&state.db)
        .await?
        .rows_affected)
}

struct Recipient {
    user: user::Model,
    tz: chrono_tz::Tz,
    quiet: Option<(i32, i32)>,
    digest: Digest,
}

async fn recipient(state: &AppState, user_id: i32) -> Result<Option<Recipient>, AppError> {
    let Some(user) = user::Entity::find_by_id(user_id).one(&state.db).await? else {
        return Ok(None);
    };
    let settings = notification_settings::Entity::find_by_id(user_id).one(&state.db).await?;
    let tz = user.timezone.parse().unwrap_or(chrono_tz::UTC);
    let quiet = settings.as_ref().and_then(|s| s.quiet_start_minutes.zip(s.quiet_end_minutes));
    let digest =
        settings.as_ref().and_then(|s| Digest::from_key(&s.email_digest)).unwrap_or(Digest::Off);
    Ok(Some(Recipient { user, tz, quiet, digest }))
}

/// One pass at `now`: sends what is due. Safe to run in several workers at once.
pub async fn run_pass(state: &AppState, now: DateTime<Utc>) -> Result<PassReport, AppError> {
    let released = release_stale_claims(state, now).await?;
    if released > 0 {
        tracing::warn!(released, "gave back deliveries claimed by a worker that stopped");
    }
    let due = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(STATUS_PENDING))
        .filter(
            delivery::Column::Method.is_in([method_key(Method::Email), method_key(Method::Push)]),
        )
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .order_by_asc(delivery::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let mut report = PassReport::default();
    for row in due {
        if !claim(state, row.id, now).await? {
            continue;
        }
        if let Err(err) = deliver(state, &row, now, &mut report).await {
            // Leave it to the lease: the next pass after it runs out tries again.
            tracing::warn!(?err, delivery_id = row.id, "delivery pass error");
        }
    }
    Ok(report)
}

async fn deliver(
    state: &AppState,
    row: &delivery::Model,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), AppError> {
    let Some(item) = notification::Entity::find_by_id(row.notification_id).one(&state.db).await?
    else {
        return mark_sent(state, row.id, now).await;
    };
    let Some(person) = recipient(state, item.user_id).await? else {
        return mark_sent(state, row.id, now).await;
    };
    if let Some((start, end)) = person.quiet
        && let Some(until) = quiet_until(now, person.tz, start, end)
    {
        report.held += 1;
        return hold(state, row.id, until).await;
    }
    if row.method == method_key(Method::Push) {
        return deliver_push(state, row, &item, now, report).await;
    }
    if person.digest != Digest::Off {
        let period_end =
            digest_period_end(item.created_at, person.tz, person.digest).unwrap_or(now);
        if now < period_end {
            report.held += 1;
            return hold(state, row.id, period_end).await;
        }
        return send_digest(state, row, &person, now, report).await;
    }
    let email = single_email(state, &person.user, &item).await?;
    match state.mailer.send_checked(email).await {
        Ok(()) => {
            mark_sent(state, row.id, now).await?;
            report.sent += 1;
        }
        Err(failure) => {
            if mark_failed_attempt(state, row, now, &failure.message, failure.permanent).await? {
                report.failed += 1;
            } else {
                report.retried += 1;
            }
        }
    }
    Ok(())
}

/// What a push carries (encrypted end to end to the device): the service worker shows
/// `title` and `body`, and opens `url` on a click. `tag` makes a repeated push replace,
/// not add to, the one already shown.
fn push_message(item: &notification::Model, company: &str) -> Vec<u8> {
    let mut body: String = format!("{company}: {}", item.body);
    loop {
        let message = serde_json::json!({
            "title": item.title,
            "body": body,
            "url": format!("/cases/{}", item.case_id),
            "tag": format!("kayse-notification-{}", item.id),
        })
        .to_string()
        .into_bytes();
        if message.len() <= crate::backend::push::crypto::MAX_PLAINTEXT || body.is_empty() {
            return message;
        }
        // Too long for one push: shorten the quoted text, keep the title and link.
        let keep = body.chars().count().saturating_sub(200);
        body = body.chars().take(keep).collect::<String>();
        if keep > 0 {
            body.push('…');
        }
    }
}

/// Sends a push delivery to each of the person's devices that has not had it yet.
async fn deliver_push(
    state: &AppState,
    row: &delivery::Model,
    item: &notification::Model,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), AppError> {
    use crate::backend::push::sender::PushOutcome;
    let devices = push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(item.user_id))
        .order_by_asc(push_subscription::Column::Id)
        .all(&state.db)
        .await?;
    let already: Vec<i32> = push_receipt::Entity::find()
        .filter(push_receipt::Column::DeliveryId.eq(row.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.subscription_id)
        .collect();
    let company = crate::backend::scope::company_name(&state.db, item.company_id).await?;
    let message = push_message(item, &company);
    // Receipts go with their device (on delete cascade): each one left is a device that took it.
    let mut accepted = already.len();
    let mut temporary = Vec::new();
    let mut permanent = Vec::new();
    for device in devices.iter().filter(|d| !already.contains(&d.id)) {
        match state.push.send(device, &message, now).await {
            PushOutcome::Accepted => {
                accepted += 1;
                push_receipt::ActiveModel {
                    delivery_id: sea_orm::Set(row.id),
                    subscription_id: sea_orm::Set(device.id),
                    created_at: sea_orm::Set(now),
                    ..Default::default()
                }
                .insert(&state.db)
                .await?;
                push_subscription::Entity::update_many()
                    .col_expr(
                        push_subscription::Column::LastSuccessAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(push_subscription::Column::Id.eq(device.id))
                    .exec(&state.db)
                    .await?;
            }
            PushOutcome::Gone => {
                tracing::info!(
                    subscription_id = device.id,
                    "the push service says this device is gone; removing it"
                );
                push_subscription::Entity::delete_by_id(device.id).exec(&state.db).await?;
            }
            PushOutcome::Retry(error) => temporary.push(format!("{}: {error}", device.device_name)),
            PushOutcome::Refused(error) => {
                tracing::warn!(subscription_id = device.id, error, "a push service refused a push");
                permanent.push(format!("{}: {error}", device.device_name));
            }
        }
    }
    if !temporary.is_empty() {
        // The devices that took it have receipts; the retry goes only to the others.
        if mark_failed_attempt(state, row, now, &temporary.join("; "), false).await? {
            report.failed += 1;
        } else {
            report.retried += 1;
        }
    } else if accepted > 0 {
        mark_sent(state, row.id, now).await?;
        report.sent += 1;
    } else if !permanent.is_empty() {
        mark_failed_attempt(state, row, now, &permanent.join("; "), true).await?;
        report.failed += 1;
    } else {
        set_status(
            state,
            row.id,
            vec![
                (delivery::Column::Status, STATUS_SKIPPED.into()),
                (
                    delivery::Column::LastError,
                    Some("no device has push turned on".to_owned()).into(),
                ),
            ],
        )
        .await?;
        report.skipped += 1;
    }
    Ok(())
}

async fn single_email(
    state: &AppState,
    person: &user::Model,
    item: &notification::Model,
) -> Result<Email, AppError> {
    let company = crate::backend::scope::company_name(&state.db, item.company_id).await?;
    let event = Event::from_key(&item.event).map_or("Notification", |e| e.label());
    let facts = NotificationFacts {
        event,
        company: &company,
        title: &item.title,
        body: &item.body,
        case_id: item.case_id,
    };
    Ok(messages::notification(&state.config, person, &facts))
}

/// Sends one email with every due email delivery of the person, grouped by company and
/// case, and marks them all sent.
async fn send_digest(
    state: &AppState,
    first: &delivery::Model,
    person: &Recipient,
    now: DateTime<Utc>,
    report: &mut PassReport,
) -> Result<(), AppError> {
    // Every other due email delivery of this person's notifications joins this one (the
    // person is picked in the database: their whole history is never loaded).
    let theirs = sea_orm::sea_query::Query::select()
        .column(notification::Column::Id)
        .from(notification::Entity)
        .and_where(notification::Column::UserId.eq(person.user.id))
        .to_owned();
    let others = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(STATUS_PENDING))
        .filter(delivery::Column::Method.eq(method_key(Method::Email)))
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(delivery::Column::NotificationId.in_subquery(theirs))
        .all(&state.db)
        .await?;
    let mut rows = vec![first.clone()];
    for other in others {
        if claim(state, other.id, now).await? {
            rows.push(other);
        }
    }
    let items = notification::Entity::find()
        .filter(
            notification::Column::Id
                .is_in(rows.iter().map(|r| r.notification_id).collect::<Vec<_>>()),
        )
        .all(&state.db)
        .await?;
    let email = digest_email(state, &person.user, &items).await?;
    match state.mailer.send_checked(email).await {
        Ok(()) => {
            for row in &rows {
                mark_sent(state, row.id, now).await?;
            }
            report.sent += rows.len();
        }
        Err(failure) => {
            for row in &rows {
                if mark_failed_attempt(state, row, now, &failure.message, failure.permanent).await?
                {
                    report.failed += 1;
                } else {
                    report.retried += 1;
                }
            }
        }
    }
    Ok(())
}

async fn digest_email(
    state: &AppState,
    person: &user::Model,
    items: &[notification::Model],
) -> Result<Email, AppError> {
    let company_ids: Vec<i32> = items.iter().map(|n| n.company_id).collect();
    let companies = crate::backend::scope::company_names(&state.db, company_ids).await?;
    let case_ids: Vec<i32> = items.iter().map(|n| n.case_id).collect();
    let cases: BTreeMap<i32, case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(case_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // Company name → case label → the notifications, oldest first.
    let mut grouped = DigestGroups::new();
    let mut sorted: Vec<&notification::Model> = items.iter().collect();
    sorted.sort_by_key(|n| (n.created_at, n.id));
    for item in sorted {
        let company = companies.get(&item.company_id).cloned().unwrap_or_default();
        let case = cases
            .get(&item.case_id)
            .map(|c| format!("{} · {}", c.number, c.name))
            .unwrap_or_default();
        grouped
            .entry(company)
            .or_default()
            .entry((case, item.case_id))
            .or_default()
            .push(DigestEntry { title: &item.title, body: &item.body });
    }
    Ok(messages::digest(&state.config, person, &grouped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(body: &str) -> notification::Model {
        notification::Model {
            id: 7,
            company_id: 1,
            user_id: 1,
            event: "new_message".into(),
            case_id: 12,
            task_id: None,
            title: "New message: HL-2026-014 · Smith v. Ridgeway Logistics".into(),
            body: body.into(),
            in_app: true,
            read_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_push_message_fits_one_push_keeping_title_and_link() {
        let short: serde_json::Value = serde_json::from_slice(&push_message(
            &notification("Can we talk?"),
            "Harper & Lowe LLP",
        ))
        .unwrap();
        assert_eq!(short["body"], "Harper & Lowe LLP: Can we talk?");
        assert_eq!(short["url"], "/cases/12");
        assert_eq!(short["tag"], "kayse-notification-7");

        // A long transcript, in a script that takes 3 bytes a character in UTF-8.
        let long = push_message(&notification(&"話".repeat(5_000)), "Harper & Lowe LLP");
        assert!(long.len() <= crate::backend::push::crypto::MAX_PLAINTEXT, "{}", long.len());
        let long: serde_json::Value = serde_json::from_slice(&long).unwrap();
        assert_eq!(long["title"], "New message: HL-2026-014 · Smith v. Ridgeway Logistics");
        assert_eq!(long["url"], "/cases/12");
        let body = long["body"].as_str().unwrap();
        assert!(body.starts_with("Harper & Lowe LLP: 話") && body.ends_with('…'), "{body}");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(3), chrono::Duration::seconds(120));
        assert_eq!(backoff(7), chrono::Duration::seconds(1920));
        assert_eq!(backoff(8), chrono::Duration::hours(1));
        assert_eq!(backoff(50), chrono::Duration::hours(1));
    }
}
