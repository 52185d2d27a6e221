//! Escalation of what must not be missed. In a company that requires acknowledgement of
//! "Negative sentiment" or "Missed call" (Company settings → Urgent alerts), each such
//! event opens an alert. Opening one of its notifications, or the case, acknowledges it
//! ("Seen by … at …" on the case). While nobody has, a pass every 30 seconds takes it a
//! step further each time its wait runs out: first the people on the case (its assignee)
//! get it again by email and push; then the company's Admins, or the colleague chosen,
//! get it in the app, by email and by push. Each step is claimed with one conditional
//! update, so two passes (two instances) never take the same step twice. Escalations
//! skip the digest, and quiet hours for people who allow urgent alerts during them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::dispatcher::{self, Dispatched, Handling, Occurrence};
use super::events::{Delivery, Event};
use crate::backend::AppState;
use crate::backend::entities::{
    case, company, membership, notification, notification_alert as alert, notification_settings,
};
use crate::error::AppError;

/// How often the server looks for alerts to escalate.
pub const PASS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
/// The last step: the Admins (or the chosen colleague) have been told.
pub const LAST_STAGE: i32 = 2;

/// The wait before each step when `event` must be acknowledged in the company, else
/// `None` (one primary-key read, only for the two events that can require it).
async fn required_wait(
    db: &impl ConnectionTrait,
    company_id: i32,
    event: Event,
) -> Result<Option<Duration>, AppError> {
    if !matches!(event, Event::NegativeSentiment | Event::MissedCall) {
        return Ok(None);
    }
    let Some(company) = company::Entity::find_by_id(company_id).one(db).await? else {
        return Ok(None);
    };
    let required = match event {
        Event::NegativeSentiment => company.acknowledge_negative_sentiment,
        _ => company.acknowledge_missed_call,
    };
    Ok(required.then(|| Duration::minutes(i64::from(company.escalation_minutes))))
}

/// Opens an alert for the occurrence when its company wants it acknowledged; the
/// occurrence's notifications then carry it. In the caller's transaction.
pub async fn open_alert(
    db: &impl ConnectionTrait,
    occurrence: &Occurrence,
) -> Result<Option<i32>, AppError> {
    let Some(wait) = required_wait(db, occurrence.company_id, occurrence.event).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let opened = alert::ActiveModel {
        company_id: Set(occurrence.company_id),
        case_id: Set(occurrence.case.id),
        event: Set(occurrence.event.key().to_owned()),
        stage: Set(0),
        due_at: Set(now + wait),
        acknowledged_by: Set(None),
        acknowledged_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(opened.id))
}

/// Marks the alert seen by `user_id`, the first time only.
pub async fn acknowledge(
    db: &impl ConnectionTrait,
    alert_id: i32,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let marked = alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedBy, sea_orm::sea_query::Expr::value(Some(user_id)))
        .col_expr(alert::Column::AcknowledgedAt, sea_orm::sea_query::Expr::value(Some(now)))
        .filter(alert::Column::Id.eq(alert_id))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .exec(db)
        .await?;
    if marked.rows_affected > 0 {
        tracing::info!(alert_id, user_id, "alert acknowledged");
    }
    Ok(marked.rows_affected > 0)
}

/// Opening a case acknowledges the open alerts on it that reached the person (their
/// notification is marked read too): an email's or a push's link leads there.
pub async fn acknowledge_on_case(
    db: &impl ConnectionTrait,
    company_id: i32,
    case_id: i32,
    user_id: i32,
) -> Result<(), AppError> {
    let theirs = notification::Entity::find()
        .filter(notification::Column::CompanyId.eq(company_id))
        .filter(notification::Column::CaseId.eq(case_id))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::AlertId.is_not_null())
        .filter(notification::Column::ReadAt.is_null())
        .all(db)
        .await?;
    if theirs.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    for alert_id in theirs.iter().filter_map(|n| n.alert_id) {
        acknowledge(db, alert_id, user_id, now).await?;
    }
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, sea_orm::sea_query::Expr::value(Some(now)))
        .filter(notification::Column::Id.is_in(theirs.iter().map(|n| n.id).collect::<Vec<_>>()))
        .exec(db)
        .await?;
    Ok(())
}

/// The latest alerts of a case, newest first, for "Seen by … at …".
pub async fn alerts_on_case(
    db: &impl ConnectionTrait,
    company_id: i32,
    case_id: i32,
) -> Result<Vec<alert::Model>, AppError> {
    Ok(alert::Entity::find()
        .filter(alert::Column::CompanyId.eq(company_id))
        .filter(alert::Column::CaseId.eq(case_id))
        .order_by_desc(alert::Column::CreatedAt)
        .limit(5)
        .all(db)
        .await?)
}

/// Who hears of the last step: the chosen colleague while they are a member, else every
/// Admin of the company.
async fn last_step_people(
    db: &impl ConnectionTrait,
    company: &company::Model,
) -> Result<Vec<i32>, AppError> {
    let members = membership::Entity::find()
        .filter(membership::Column::CompanyId.eq(company.id))
        .all(db)
        .await?;
    if let Some(contact) = company.escalation_contact_id
        && members.iter().any(|m| m.user_id == contact)
    {
        return Ok(vec![contact]);
    }
    Ok(members
        .into_iter()
        .filter(|m| m.role == membership::ROLE_ADMIN)
        .map(|m| m.user_id)
        .collect())
}

async fn allows_urgent_in_quiet_hours(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<bool, AppError> {
    Ok(notification_settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|s| s.urgent_during_quiet_hours))
}

/// One pass at `now`: each due alert goes one step further. Returns what was sent.
pub async fn run_pass(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Dispatched>, AppError> {
    let due = alert::Entity::find()
        .filter(alert::Column::AcknowledgedAt.is_null())
        .filter(alert::Column::Stage.lt(LAST_STAGE))
        .filter(alert::Column::DueAt.lte(now))
        .order_by_asc(alert::Column::DueAt)
        .limit(100)
        .all(&state.db)
        .await?;
    let mut sent = Vec::new();
    for item in due {
        match step(state, &item, now).await {
            Ok(done) => sent.extend(done),
            // One alert's failure must not stop the others; the next pass retries it.
            Err(err) => tracing::warn!(?err, alert_id = item.id, "could not escalate an alert"),
        }
    }
    dispatcher::publish(&state.live, &sent);
    Ok(sent)
}

async fn step(
    state: &AppState,
    item: &alert::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Dispatched>, AppError> {
    let company = company::Entity::find_by_id(item.company_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let case =
        case::Entity::find_by_id(item.case_id).one(&state.db).await?.ok_or(AppError::NotFound)?;
    let event = Event::from_key(&item.event).ok_or(AppError::NotFound)?;
    // A case nobody is assigned to goes straight to the last step.
    let stage =
        if item.stage == 0 && case.assignee_id.is_none() { LAST_STAGE } else { item.stage + 1 };
    let wait = Duration::minutes(i64::from(company.escalation_minutes));
    let txn = state.db.begin().await?;
    let claimed = alert::Entity::update_many()
        .col_expr(alert::Column::Stage, sea_orm::sea_query::Expr::value(stage))
        .col_expr(alert::Column::DueAt, sea_orm::sea_query::Expr::value(now + wait))
        .filter(alert::Column::Id.eq(item.id))
        .filter(alert::Column::Stage.eq(item.stage))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        // Acknowledged meanwhile, or taken by another pass.
        txn.rollback().await?;
        return Ok(Vec::new());
    }
    let original = notification::Entity::find()
        .filter(notification::Column::AlertId.eq(item.id))
        .order_by_asc(notification::Column::Id)
        .one(&txn)
        .await?;
    let body = original.map_or_else(String::new, |n| n.body);
    let minutes = (now - item.created_at).num_minutes().max(1);
    let label = format!("{} · {}", case.number, case.name);
    let (people, title, delivery) = if stage < LAST_STAGE {
        (
            case.assignee_id.into_iter().collect::<Vec<_>>(),
            format!("Not seen yet: {} on {label}", event.label()),
            Delivery { in_app: false, email: true, push: true },
        )
    } else {
        (
            last_step_people(&txn, &company).await?,
            format!("Nobody has seen: {} on {label}", event.label()),
            Delivery { in_app: true, email: true, push: true },
        )
    };
    let occurrence = Occurrence {
        alert_id: Some(item.id),
        ..Occurrence::for_firm(
            item.company_id,
            event,
            &case,
            None,
            title,
            format!("{body} (first reported {minutes} minutes ago, not opened since)"),
        )
    };
    let mut sent = Vec::new();
    for person in people {
        let handling = Handling {
            skip_digest: true,
            skip_quiet_hours: allows_urgent_in_quiet_hours(&txn, person).await?,
        };
        sent.extend(dispatcher::record(&txn, &occurrence, person, delivery, handling).await?);
    }
    txn.commit().await?;
    tracing::info!(alert_id = item.id, stage, people = sent.len(), "alert escalated");
    Ok(sent)
}
