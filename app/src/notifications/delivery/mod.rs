//! The delivery worker: sends the email and push deliveries the dispatcher queued. Each row is
//! claimed with one conditional update (`pending` → `sending`), so two workers, in one
//! process or on several servers sharing a database, never both send it: the database
//! applies the update to a row once (PostgreSQL re-checks the condition after waiting for
//! the row's lock; SQLite has one writer). A claim is stamped when it is made and carries
//! its pass's token; the pass renews its claims while it works, so a slow pass keeps
//! them, and only the holder can finish one. A claim not renewed within the lease (its
//! worker died between claim and send) is given back and sent again. A delivery sent is marked `sent` and never sent again; temporary failures
//! are retried with exponential backoff, permanent ones (and the 8th failure) end `failed`,
//! logged. Quiet hours hold a delivery until they end; a digest gathers a person's emails
//! into one per period, grouped by company and case. A push goes to each of the person's
//! devices; a device that took it gets a receipt, so a retry (for a device that failed)
//! never pushes twice to the same device, and a device its push service calls gone is
//! removed.

mod email;
mod push;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::dispatcher::method_key;
use super::events::{Digest, Method};
use super::timing::{digest_period_end, quiet_until};
use crate::backend::AppState;
use crate::backend::entities::notification_delivery::{
    self as delivery, STATUS_FAILED, STATUS_PENDING, STATUS_SENDING, STATUS_SENT, STATUS_SKIPPED,
};
use crate::backend::entities::{notification, notification_settings, user};
use crate::error::AppError;

/// A claim older than this is void: its worker is presumed dead.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// How often a pass renews its claims: several times within a lease.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// One pass of one worker: the clock it runs by and the token its claims carry.
pub struct Pass {
    /// When the pass began (tests pass a time of their choosing).
    pub now: DateTime<Utc>,
    started: std::time::Instant,
    token: String,
}

impl Pass {
    pub fn new(now: DateTime<Utc>) -> Pass {
        let token = crate::backend::tokens::new_token().chars().take(32).collect();
        Pass { now, started: std::time::Instant::now(), token }
    }

    /// The pass's clock: `now` when it began, plus the time since. A claim is stamped by
    /// it, not by when the pass began, or a long pass's late claims would be born stale.
    pub fn clock(&self) -> DateTime<Utc> {
        self.now + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }

    /// Renews this pass's claims as of `at`; returns how many it still holds.
    pub async fn renew_at(&self, state: &AppState, at: DateTime<Utc>) -> Result<u64, AppError> {
        Ok(delivery::Entity::update_many()
            .col_expr(delivery::Column::ClaimedAt, sea_orm::sea_query::Expr::value(at))
            .filter(delivery::Column::Status.eq(STATUS_SENDING))
            .filter(delivery::Column::ClaimToken.eq(self.token.as_str()))
            .exec(&state.db)
            .await?
            .rows_affected)
    }
}
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

/// Deliveries sent at the same time by one pass: a slow push service or mail server holds
/// one of these, and the others go on.
pub const SENDING_AT_ONCE: usize = 8;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub held: usize,
    /// Push deliveries for people without a push device.
    pub skipped: usize,
}

impl PassReport {
    fn add(self, other: PassReport) -> PassReport {
        PassReport {
            sent: self.sent + other.sent,
            retried: self.retried + other.retried,
            failed: self.failed + other.failed,
            held: self.held + other.held,
            skipped: self.skipped + other.skipped,
        }
    }
}

/// Claims one pending delivery for this pass. `false` when another worker got it first.
pub async fn claim(state: &AppState, pass: &Pass, id: i32) -> Result<bool, AppError> {
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, sea_orm::sea_query::Expr::value(STATUS_SENDING))
        .col_expr(delivery::Column::ClaimedAt, sea_orm::sea_query::Expr::value(pass.clock()))
        .col_expr(delivery::Column::ClaimToken, sea_orm::sea_query::Expr::value(pass.token.clone()))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(STATUS_PENDING))
        .exec(&state.db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Finishes this pass's claim on a delivery. A claim lost meanwhile (the lease ran out
/// and another worker took the row) is left to its new holder.
pub(super) async fn set_status(
    state: &AppState,
    pass: &Pass,
    id: i32,
    changes: Vec<(delivery::Column, sea_orm::Value)>,
) -> Result<(), AppError> {
    let mut update = delivery::Entity::update_many()
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(STATUS_SENDING))
        .filter(delivery::Column::ClaimToken.eq(pass.token.as_str()));
    for (column, value) in changes {
        update = update.col_expr(column, sea_orm::sea_query::Expr::value(value));
    }
    update = update.col_expr(
        delivery::Column::ClaimToken,
        sea_orm::sea_query::Expr::value(Option::<String>::None),
    );
    if update.exec(&state.db).await?.rows_affected == 0 {
        tracing::warn!(delivery_id = id, "a delivery's claim was lost before it was finished");
    }
    Ok(())
}

/// Back to the queue, due at `at`, without counting an attempt (quiet hours, digest).
pub(super) async fn hold(
    state: &AppState,
    pass: &Pass,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    set_status(
        state,
        pass,
        id,
        vec![
            (delivery::Column::Status, STATUS_PENDING.into()),
            (delivery::Column::NextAttemptAt, at.into()),
            (delivery::Column::ClaimedAt, Option::<DateTime<Utc>>::None.into()),
        ],
    )
    .await
}

pub(super) async fn mark_sent(state: &AppState, pass: &Pass, id: i32) -> Result<(), AppError> {
    let now = pass.now;
    set_status(
        state,
        pass,
        id,
        vec![
            (delivery::Column::Status, STATUS_SENT.into()),
            (delivery::Column::SentAt, now.into()),
        ],
    )
    .await
}

/// Records a failed attempt: retried later, or `failed` for good.
pub(super) async fn mark_failed_attempt(
    state: &AppState,
    pass: &Pass,
    row: &delivery::Model,
    error: &str,
    permanent: bool,
) -> Result<bool, AppError> {
    let now = pass.now;
    let attempts = row.attempts + 1;
    let gives_up = permanent || attempts >= MAX_ATTEMPTS;
    set_status(
        state,
        pass,
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
        .col_expr(
            delivery::Column::ClaimToken,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(delivery::Column::Status.eq(STATUS_SENDING))
        .filter(delivery::Column::ClaimedAt.lt(now - LEASE))
        .exec(&state.db)
        .await?
        .rows_affected)
}

pub(super) struct Recipient {
    pub(super) user: user::Model,
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

/// One pass at `now`: sends what is due. Safe to run in several workers at once, on
/// several instances. While it works, it renews its claims every `RENEW_EVERY`.
pub async fn run_pass(state: &AppState, now: DateTime<Utc>) -> Result<PassReport, AppError> {
    let pass = Pass::new(now);
    let work = send_due(state, &pass);
    tokio::pin!(work);
    let mut renewals = tokio::time::interval(RENEW_EVERY);
    renewals.tick().await;
    loop {
        tokio::select! {
            report = &mut work => return report,
            _ = renewals.tick() => {
                if let Err(err) = pass.renew_at(state, pass.clock()).await {
                    tracing::warn!(?err, "could not renew the delivery claims");
                }
            }
        }
    }
}

async fn send_due(state: &AppState, pass: &Pass) -> Result<PassReport, AppError> {
    let now = pass.now;
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
    use futures_util::stream::StreamExt;
    let reports: Vec<PassReport> = futures_util::stream::iter(by_recipient(state, due).await?)
        .map(|rows| async move {
            // One person's deliveries in order (a digest gathers the rest of theirs);
            // different people's side by side.
            let mut report = PassReport::default();
            for row in rows {
                match claim(state, pass, row.id).await {
                    Ok(true) => {
                        if let Err(err) = deliver(state, &row, pass, &mut report).await {
                            // Left to the lease: the next pass after it runs out tries again.
                            tracing::warn!(?err, delivery_id = row.id, "delivery pass error");
                        }
                    }
                    Ok(false) => {}
                    Err(err) => {
                        tracing::warn!(?err, delivery_id = row.id, "could not claim a delivery")
                    }
                }
            }
            report
        })
        .buffer_unordered(SENDING_AT_ONCE)
        .collect()
        .await;
    Ok(reports.into_iter().fold(PassReport::default(), PassReport::add))
}

/// The due rows grouped by the person they are for, in the order they came.
async fn by_recipient(
    state: &AppState,
    due: Vec<delivery::Model>,
) -> Result<Vec<Vec<delivery::Model>>, AppError> {
    let ids: Vec<i32> = due.iter().map(|r| r.notification_id).collect();
    let owners: std::collections::HashMap<i32, i32> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|n| (n.id, n.user_id))
        .collect();
    let mut groups: Vec<(Option<i32>, Vec<delivery::Model>)> = Vec::new();
    for row in due {
        let owner = owners.get(&row.notification_id).copied();
        match groups.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((owner, vec![row])),
        }
    }
    Ok(groups.into_iter().map(|(_, rows)| rows).collect())
}

async fn deliver(
    state: &AppState,
    row: &delivery::Model,
    pass: &Pass,
    report: &mut PassReport,
) -> Result<(), AppError> {
    let now = pass.now;
    let Some(item) = notification::Entity::find_by_id(row.notification_id).one(&state.db).await?
    else {
        return mark_sent(state, pass, row.id).await;
    };
    let Some(person) = recipient(state, item.user_id).await? else {
        return mark_sent(state, pass, row.id).await;
    };
    if let Some((start, end)) = person.quiet.filter(|_| !row.skip_quiet_hours)
        && let Some(until) = quiet_until(now, person.tz, start, end)
    {
        report.held += 1;
        return hold(state, pass, row.id, until).await;
    }
    if row.method == method_key(Method::Push) {
        return push::deliver_push(state, row, &item, pass, report).await;
    }
    if person.digest != Digest::Off && !row.skip_digest {
        let period_end =
            digest_period_end(item.created_at, person.tz, person.digest).unwrap_or(now);
        if now < period_end {
            report.held += 1;
            return hold(state, pass, row.id, period_end).await;
        }
        return email::send_digest(state, row, &person, pass, report).await;
    }
    let email = email::single_email(state, &person.user, &item).await?;
    match state.mailer.send_checked(email).await {
        Ok(()) => {
            mark_sent(state, pass, row.id).await?;
            report.sent += 1;
        }
        Err(failure) => {
            if mark_failed_attempt(state, pass, row, &failure.message, failure.permanent).await? {
                report.failed += 1;
            } else {
                report.retried += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
