//! The Notifications tab's server side: the preferences matrix, the Task due lead time,
//! quiet hours and the email digest.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::api::Preferences;
use super::events::{
    DEFAULT_TASK_DUE_LEAD_MINUTES, Delivery, Digest, Event, Method, TASK_DUE_LEAD_TIMES,
};
use crate::backend::entities::{
    notification_preference as preference, notification_settings as settings,
};
use crate::error::AppError;

/// How each event reaches the person: stored choices, else the event's defaults.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(Event, Delivery)>, AppError> {
    let stored =
        preference::Entity::find().filter(preference::Column::UserId.eq(user_id)).all(db).await?;
    Ok(Event::ALL
        .into_iter()
        .map(|event| {
            let delivery = stored
                .iter()
                .find(|row| row.event == event.key())
                .map(|row| Delivery { in_app: row.in_app, email: row.email, push: row.push })
                .unwrap_or_else(|| event.defaults());
            (event, delivery)
        })
        .collect())
}

pub async fn task_due_lead_minutes(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<i32, AppError> {
    Ok(settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map_or(DEFAULT_TASK_DUE_LEAD_MINUTES, |s| s.task_due_lead_minutes))
}

pub async fn load(db: &DatabaseConnection, user_id: i32) -> Result<Preferences, AppError> {
    let stored = settings::Entity::find_by_id(user_id).one(db).await?;
    Ok(Preferences {
        matrix: deliveries(db, user_id).await?,
        task_due_lead_minutes: stored
            .as_ref()
            .map_or(DEFAULT_TASK_DUE_LEAD_MINUTES, |s| s.task_due_lead_minutes),
        quiet_hours: stored.as_ref().and_then(|s| s.quiet_start_minutes.zip(s.quiet_end_minutes)),
        email_digest: stored
            .as_ref()
            .and_then(|s| Digest::from_key(&s.email_digest))
            .unwrap_or(Digest::Off),
    })
}

/// Creates the person's settings row with the defaults if there is none, so the setters
/// below can update one column each.
async fn ensure_settings(db: &DatabaseConnection, user_id: i32) -> Result<(), AppError> {
    settings::Entity::insert(settings::ActiveModel {
        user_id: Set(user_id),
        task_due_lead_minutes: Set(DEFAULT_TASK_DUE_LEAD_MINUTES),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(settings::Column::UserId).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets or clears the quiet hours (minutes after local midnight, on the half hour).
pub async fn set_quiet_hours(
    db: &DatabaseConnection,
    user_id: i32,
    hours: Option<(i32, i32)>,
) -> Result<Option<(i32, i32)>, AppError> {
    if let Some((start, end)) = hours {
        let valid = |m: i32| (0..24 * 60).contains(&m) && m % 30 == 0;
        if !valid(start) || !valid(end) {
            return Err(AppError::field("quiet_hours", "Choose the times from the lists."));
        }
        if start == end {
            return Err(AppError::field(
                "quiet_hours",
                "Quiet hours need to end at another time than they start.",
            ));
        }
    }
    ensure_settings(db, user_id).await?;
    settings::Entity::update_many()
        .col_expr(
            settings::Column::QuietStartMinutes,
            sea_orm::sea_query::Expr::value(hours.map(|h| h.0)),
        )
        .col_expr(
            settings::Column::QuietEndMinutes,
            sea_orm::sea_query::Expr::value(hours.map(|h| h.1)),
        )
        .col_expr(settings::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(hours)
}

pub async fn set_email_digest(
    db: &DatabaseConnection,
    user_id: i32,
    digest: Digest,
) -> Result<Digest, AppError> {
    ensure_settings(db, user_id).await?;
    settings::Entity::update_many()
        .col_expr(settings::Column::EmailDigest, sea_orm::sea_query::Expr::value(digest.key()))
        .col_expr(settings::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(digest)
}

/// Stores one switch; the event's other methods keep their current values. An upsert, so
/// two quick clicks on two switches of one event cannot lose each other's row.
pub async fn set(
    db: &DatabaseConnection,
    user_id: i32,
    event: Event,
    method: Method,
    enabled: bool,
) -> Result<Delivery, AppError> {
    let mut delivery = deliveries(db, user_id)
        .await?
        .into_iter()
        .find(|(e, _)| *e == event)
        .map_or(event.defaults(), |(_, d)| d);
    delivery.set(method, enabled);
    let column = match method {
        Method::InApp => preference::Column::InApp,
        Method::Email => preference::Column::Email,
        Method::Push => preference::Column::Push,
    };
    preference::Entity::insert(preference::ActiveModel {
        user_id: Set(user_id),
        event: Set(event.key().to_owned()),
        in_app: Set(delivery.in_app),
        email: Set(delivery.email),
        push: Set(delivery.push),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([preference::Column::UserId, preference::Column::Event])
            .update_columns([column, preference::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(deliveries(db, user_id)
        .await?
        .into_iter()
        .find(|(e, _)| *e == event)
        .map_or(delivery, |(_, d)| d))
}

pub async fn set_lead(
    db: &DatabaseConnection,
    user_id: i32,
    minutes: i32,
) -> Result<i32, AppError> {
    if !TASK_DUE_LEAD_TIMES.iter().any(|(m, _)| *m == minutes) {
        return Err(AppError::field("task_due_lead", "Choose one of the listed times."));
    }
    settings::Entity::insert(settings::ActiveModel {
        user_id: Set(user_id),
        task_due_lead_minutes: Set(minutes),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(settings::Column::UserId)
            .update_columns([settings::Column::TaskDueLeadMinutes, settings::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(minutes)
}
