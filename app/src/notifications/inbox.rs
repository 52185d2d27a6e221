//! The notification center's server side: the bell's list and count for the current
//! company, marking read, and the unread counts per company for Switch Company.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::api::{NotificationCenter, NotificationView};
use super::events::Event;
use crate::backend::AppState;
use crate::backend::display::{format_in_timezone, relative_time};
use crate::backend::entities::{case, notification};
use crate::backend::live::LiveEvent;
use crate::backend::scope::CompanyScope;
use crate::backend::users::load_user;
use crate::error::AppError;

/// The bell shows this many at a time ("Show more" for the next ones).
pub const SHOWN: u64 = 30;

/// Which of the person's notifications the bell lists.
#[derive(Clone, Debug, Default)]
pub struct CenterFilter {
    pub event: Option<Event>,
    pub case_type: Option<String>,
    /// Only notifications older than this one (by id, the order they were made in).
    pub before: Option<i32>,
}

/// This person's in-app notifications in this company: `scope` fixes both.
fn mine(scope: &CompanyScope) -> sea_orm::Select<notification::Entity> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(scope.user_id))
        .filter(notification::Column::CompanyId.eq(scope.company_id))
        .filter(notification::Column::InApp.eq(true))
}

/// The bell's count: this person's unread notifications in this company.
pub async fn unread_count(state: &AppState, scope: &CompanyScope) -> Result<usize, AppError> {
    let unread =
        mine(scope).filter(notification::Column::ReadAt.is_null()).count(&state.db).await?;
    Ok(unread as usize)
}

pub async fn center(
    state: &AppState,
    scope: &CompanyScope,
    filter: &CenterFilter,
) -> Result<NotificationCenter, AppError> {
    let me = load_user(&state.db, scope.user_id).await?;
    let unread = unread_count(state, scope).await?;
    let mut listed = mine(scope);
    if let Some(event) = filter.event {
        listed = listed.filter(notification::Column::Event.eq(event.key()));
    }
    if let Some(case_type) = filter.case_type.as_deref().filter(|t| !t.is_empty()) {
        let of_type = sea_orm::sea_query::Query::select()
            .column(case::Column::Id)
            .from(case::Entity)
            .and_where(case::Column::CompanyId.eq(scope.company_id))
            .and_where(case::Column::CaseType.eq(case_type))
            .to_owned();
        listed = listed.filter(notification::Column::CaseId.in_subquery(of_type));
    }
    if let Some(before) = filter.before {
        listed = listed.filter(notification::Column::Id.lt(before));
    }
    // One more than shown says whether there are older ones.
    let mut rows =
        listed.order_by_desc(notification::Column::Id).limit(SHOWN + 1).all(&state.db).await?;
    let more = rows.len() as u64 > SHOWN;
    rows.truncate(SHOWN as usize);
    let case_types = scope.case_types(&state.db).await?;
    let case_ids: Vec<i32> = rows.iter().map(|n| n.case_id).collect();
    let cases: HashMap<i32, case::Model> = scope
        .cases()
        .filter(case::Column::Id.is_in(case_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let now = Utc::now();
    let items = rows
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            event: Event::from_key(&n.event)
                .map_or_else(|| n.event.clone(), |e| e.label().to_owned()),
            title: n.title,
            body: n.body,
            case_id: n.case_id,
            case_label: cases
                .get(&n.case_id)
                .map(|c| format!("{} · {}", c.number, c.name))
                .unwrap_or_default(),
            when: relative_time(now, n.created_at),
            when_exact: format_in_timezone(n.created_at, &me.timezone),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(NotificationCenter { unread, items, more, case_types })
}

/// Marks one of this person's notifications in this company read; returns its case.
pub async fn mark_read(state: &AppState, scope: &CompanyScope, id: i32) -> Result<i32, AppError> {
    let found = mine(scope)
        .filter(notification::Column::Id.eq(id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = Utc::now();
    if found.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, sea_orm::sea_query::Expr::value(now))
            .filter(notification::Column::Id.eq(found.id))
            .exec(&state.db)
            .await?;
        state.live.publish(LiveEvent::NotificationsChanged { user_id: scope.user_id });
    }
    // Opening it is what "seen" means for an alert ("Mark all as read" is not).
    if let Some(alert_id) = found.alert_id {
        super::escalation::acknowledge(&state.db, alert_id, scope.user_id, now).await?;
    }
    Ok(found.case_id)
}

/// "Mark as unread". An alert it acknowledged stays acknowledged: it was seen.
pub async fn mark_unread(state: &AppState, scope: &CompanyScope, id: i32) -> Result<(), AppError> {
    let found = mine(scope)
        .filter(notification::Column::Id.eq(id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.read_at.is_some() {
        notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(None::<chrono::DateTime<Utc>>),
            )
            .filter(notification::Column::Id.eq(found.id))
            .exec(&state.db)
            .await?;
        state.live.publish(LiveEvent::NotificationsChanged { user_id: scope.user_id });
    }
    Ok(())
}

/// The retention cleanup: notifications made before `now - retention` that were read, or
/// never shown in the bell (email or push only), are deleted with their deliveries.
/// Unread ones in the bell stay until they are read.
pub async fn delete_old(
    db: &impl ConnectionTrait,
    retention: chrono::Duration,
    now: chrono::DateTime<Utc>,
) -> Result<u64, AppError> {
    use sea_orm::Condition;
    Ok(notification::Entity::delete_many()
        .filter(notification::Column::CreatedAt.lt(now - retention))
        .filter(
            Condition::any()
                .add(notification::Column::ReadAt.is_not_null())
                .add(notification::Column::InApp.eq(false)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

/// Marks all of this person's notifications in this company read; returns how many.
pub async fn mark_all_read(state: &AppState, scope: &CompanyScope) -> Result<u64, AppError> {
    let updated = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(notification::Column::UserId.eq(scope.user_id))
        .filter(notification::Column::CompanyId.eq(scope.company_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?
        .rows_affected;
    if updated > 0 {
        state.live.publish(LiveEvent::NotificationsChanged { user_id: scope.user_id });
    }
    Ok(updated)
}

/// Unread in-app notifications per company, for Switch Company (counted by the database).
pub async fn unread_by_company(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HashMap<i32, usize>, AppError> {
    let counts: Vec<(i32, i64)> = notification::Entity::find()
        .select_only()
        .column(notification::Column::CompanyId)
        .column_as(notification::Column::Id.count(), "unread")
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::InApp.eq(true))
        .filter(notification::Column::ReadAt.is_null())
        .group_by(notification::Column::CompanyId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().map(|(company_id, n)| (company_id, n.max(0) as usize)).collect())
}
