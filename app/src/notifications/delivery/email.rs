//! The email side of the delivery worker: one notification as one email, or a person's due
//! notifications gathered into one digest. The words are in `backend::mail::messages`.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::super::dispatcher::method_key;
use super::super::events::{Event, Method};
use super::{Pass, PassReport, Recipient, STATUS_PENDING, claim, mark_failed_attempt, mark_sent};
use crate::backend::AppState;
use crate::backend::entities::notification_delivery as delivery;
use crate::backend::entities::{case, notification, user};
use crate::backend::mail::Email;
use crate::backend::mail::messages::{self, DigestEntry, DigestGroups, NotificationFacts};
use crate::error::AppError;

pub(super) async fn single_email(
    state: &AppState,
    person: &user::Model,
    item: &notification::Model,
) -> Result<Email, AppError> {
    let company = crate::backend::scope::company_name(&state.db, item.company_id).await?;
    let event = Event::from_key(&item.event)
        .ok_or_else(|| AppError::internal("notification email", "unknown event"))?;
    let unsubscribe = super::super::unsubscribe::for_notification(
        &state.db,
        &state.config,
        person.id,
        (item.company_id, &company),
        event,
    )
    .await?;
    let facts = NotificationFacts {
        event: event.label(),
        company: &company,
        title: &item.title,
        body: &item.body,
        case_id: item.case_id,
        unsubscribe,
    };
    Ok(messages::notification(&state.config, person, &facts))
}

/// Sends one email with every due email delivery of the person, grouped by company and
/// case, and marks them all sent.
pub(super) async fn send_digest(
    state: &AppState,
    first: &delivery::Model,
    person: &Recipient,
    pass: &Pass,
    report: &mut PassReport,
) -> Result<(), AppError> {
    let now = pass.now;
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
        .filter(delivery::Column::SkipDigest.eq(false))
        .filter(delivery::Column::NotificationId.in_subquery(theirs))
        .all(&state.db)
        .await?;
    let mut rows = vec![first.clone()];
    for other in others {
        if claim(state, pass, other.id).await? {
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
                mark_sent(state, pass, row.id).await?;
            }
            report.sent += rows.len();
        }
        Err(failure) => {
            for row in &rows {
                if mark_failed_attempt(state, pass, row, &failure.message, failure.permanent)
                    .await?
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
    let unsubscribe =
        super::super::unsubscribe::for_digest(&state.db, &state.config, person.id).await?;
    Ok(messages::digest(&state.config, person, &grouped, &unsubscribe))
}
