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

/// The bell shows this many of the latest notifications.
const SHOWN: u64 = 30;

/// This person's in-app notifications in this company: `scope` fixes both.
fn mine(scope: &CompanyScope) -> sea_orm::Select<notification::Entity> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(scope.user_id))
        .filter(notification::Column::CompanyId.eq(scope.company_id))
        .filter(notification::Column::InApp.eq(true))
}

pub async fn center(
    state: &AppState,
    scope: &CompanyScope,
) -> Result<NotificationCenter, AppError> {
    let me = load_user(&state.db, scope.user_id).await?;
    let unread =
        mine(scope).filter(notification::Column::ReadAt.is_null()).count(&state.db).await?;
    let rows = mine(scope)
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(SHOWN)
        .all(&state.db)
        .await?;
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
    Ok(NotificationCenter { unread: unread as usize, items })
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
