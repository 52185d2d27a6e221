//! "Task due": a pass over the open tasks notices those whose deadline is within their
//! assignee's lead time. Each task and deadline is announced once: a row in
//! `task_due_notices` (unique per task and deadline) is written in the same transaction as
//! the notification, so a restart neither repeats nor misses one, and several server
//! instances cannot announce the same deadline twice. A moved deadline is a new row.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::dispatcher::{self, Dispatched, Occurrence};
use super::events::{Event, TASK_DUE_LEAD_TIMES};
use crate::backend::AppState;
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{case, task, task_due_notice, user};
use crate::error::AppError;

/// How often the server runs a pass.
pub const PASS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
/// A deadline passed this long ago while the server was down is still announced (as
/// overdue) when it comes back; older ones are left to "My tasks", which marks them.
const LATE_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// Whether a task due at `due_at` is to be announced at `now`, for a lead time in minutes.
pub fn is_due_for_notice(due_at: DateTime<Utc>, lead_minutes: i32, now: DateTime<Utc>) -> bool {
    now >= due_at - chrono::Duration::minutes(i64::from(lead_minutes)) && now < due_at + LATE_GRACE
}

/// One pass at `now`; returns what was dispatched (already published live).
pub async fn run_pass(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Dispatched>, AppError> {
    let longest_lead = TASK_DUE_LEAD_TIMES.iter().map(|(m, _)| *m).max().unwrap_or(0);
    let candidates = task::Entity::find()
        .filter(task::Column::CompletedAt.is_null())
        .filter(task::Column::AssigneeId.is_not_null())
        .filter(task::Column::DueAt.lte(now + chrono::Duration::minutes(i64::from(longest_lead))))
        .filter(task::Column::DueAt.gt(now - LATE_GRACE))
        .all(&state.db)
        .await?;
    let mut dispatched = Vec::new();
    for task in candidates {
        let Some(assignee_id) = task.assignee_id else { continue };
        let lead = super::server::task_due_lead_minutes(&state.db, assignee_id).await?;
        if !is_due_for_notice(task.due_at, lead, now) {
            continue;
        }
        match announce(state, &task, assignee_id, now).await {
            Ok(done) => dispatched.extend(done),
            // One task's failure must not stop the others; the next pass retries it.
            Err(err) => {
                tracing::warn!(?err, task_id = task.id, "could not announce a task deadline")
            }
        }
    }
    dispatcher::publish(&state.live, &dispatched);
    Ok(dispatched)
}

async fn announce(
    state: &AppState,
    task: &task::Model,
    assignee_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<Dispatched>, AppError> {
    let txn = state.db.begin().await?;
    let claimed = task_due_notice::Entity::insert(task_due_notice::ActiveModel {
        task_id: Set(task.id),
        due_at: Set(task.due_at),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([task_due_notice::Column::TaskId, task_due_notice::Column::DueAt])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if claimed == 0 {
        // Announced before (by an earlier pass, or another instance).
        txn.rollback().await?;
        return Ok(Vec::new());
    }
    let case = case::Entity::find_by_id(task.case_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let timezone = user::Entity::find_by_id(assignee_id)
        .one(&txn)
        .await?
        .map_or_else(|| "UTC".to_owned(), |u| u.timezone);
    let when = format_in_timezone(task.due_at, &timezone);
    let body = if task.due_at > now {
        format!("“{}” is due {when}.", task.title)
    } else {
        format!("“{}” was due {when}.", task.title)
    };
    let occurrence = Occurrence {
        task_id: Some(task.id),
        ..Occurrence::for_person(
            task.company_id,
            Event::TaskDue,
            &case,
            assignee_id,
            None,
            format!("Task due on {} · {}", case.number, case.name),
            body,
        )
    };
    let done = dispatcher::dispatch(&txn, &occurrence).await?;
    txn.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_announced_from_its_lead_time_until_a_day_late() {
        let due = Utc::now();
        let hour = chrono::Duration::hours(1);
        assert!(!is_due_for_notice(due, 60, due - hour - chrono::Duration::seconds(1)));
        assert!(is_due_for_notice(due, 60, due - hour));
        assert!(is_due_for_notice(due, 60, due));
        assert!(is_due_for_notice(due, 60, due + hour * 23));
        assert!(!is_due_for_notice(due, 60, due + hour * 24));
        assert!(is_due_for_notice(due, 1440, due - hour * 23));
    }
}
