//! Cases and tasks on the server: lists, details and assignment, all through the company
//! scope, and the switch to the company of a case linked from another firm.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::api::{
    AlertNote, CaseDetail, CaseSummary, CompanyRef, MAX_CASE_TYPE_CHARS, MemberView, STATUSES,
    TaskView,
};
use crate::backend::AppState;
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{case, company, task};
use crate::backend::scope::{self, CompanyScope, find_membership};
use crate::backend::session_store::SignedIn;
use crate::backend::users::{self, load_user};
use crate::case_priority::Priority;
use crate::error::AppError;
use crate::notifications::dispatcher::{self, Dispatched, Occurrence};
use crate::notifications::events::Event;
use crate::notifications::{case_events, escalation};

fn summary(case: &case::Model, names: &HashMap<i32, String>) -> CaseSummary {
    CaseSummary {
        id: case.id,
        number: case.number.clone(),
        name: case.name.clone(),
        case_type: case.case_type.clone(),
        status: case.status.clone(),
        priority: Priority::from_stored(&case.priority),
        assignee: case.assignee_id.and_then(|id| names.get(&id).cloned()),
    }
}

/// Case name or number containing `search` (any case), newest first.
pub async fn list(
    state: &AppState,
    scope: &CompanyScope,
    search: &str,
) -> Result<Vec<CaseSummary>, AppError> {
    let search = search.trim().to_lowercase();
    let cases: Vec<case::Model> = scope
        .cases()
        .order_by_desc(case::Column::CreatedAt)
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|c| {
            search.is_empty()
                || c.name.to_lowercase().contains(&search)
                || c.number.to_lowercase().contains(&search)
        })
        .collect();
    let names = users::names_by_id(&state.db, cases.iter().filter_map(|c| c.assignee_id)).await?;
    Ok(cases.iter().map(|c| summary(c, &names)).collect())
}

fn task_views(
    scope: &CompanyScope,
    tasks: &[task::Model],
    cases: &HashMap<i32, case::Model>,
    names: &HashMap<i32, String>,
    timezone: &str,
) -> Vec<TaskView> {
    let now = Utc::now();
    tasks
        .iter()
        .map(|t| TaskView {
            id: t.id,
            title: t.title.clone(),
            case_id: t.case_id,
            case_label: cases
                .get(&t.case_id)
                .map(|c| format!("{} · {}", c.number, c.name))
                .unwrap_or_default(),
            due: format_in_timezone(t.due_at, timezone),
            overdue: t.completed_at.is_none() && t.due_at < now,
            assignee: t.assignee_id.and_then(|id| names.get(&id).cloned()),
            can_complete: t.completed_at.is_none()
                && (t.assignee_id == Some(scope.user_id) || scope.is_admin()),
        })
        .collect()
}

pub async fn detail(
    state: &AppState,
    scope: &CompanyScope,
    case_id: i32,
) -> Result<CaseDetail, AppError> {
    let case = scope.case(&state.db, case_id).await?;
    let me = load_user(&state.db, scope.user_id).await?;
    // Opening the case is seeing its alerts that reached this person.
    escalation::acknowledge_on_case(&state.db, scope.company_id, case.id, me.id).await?;
    let alerts = escalation::alerts_on_case(&state.db, scope.company_id, case.id).await?;
    let tasks = scope
        .tasks()
        .filter(task::Column::CaseId.eq(case.id))
        .filter(task::Column::CompletedAt.is_null())
        .order_by_asc(task::Column::DueAt)
        .all(&state.db)
        .await?;
    let names = users::names_by_id(
        &state.db,
        tasks
            .iter()
            .filter_map(|t| t.assignee_id)
            .chain(case.assignee_id)
            .chain(alerts.iter().filter_map(|a| a.acknowledged_by)),
    )
    .await?;
    let alerts = alerts
        .iter()
        .map(|a| AlertNote {
            what: format!(
                "{}, {}",
                Event::from_key(&a.event).map_or("Alert", |e| e.label()),
                format_in_timezone(a.created_at, &me.timezone)
            ),
            seen: match (a.acknowledged_by.and_then(|id| names.get(&id)), a.acknowledged_at) {
                (Some(who), Some(at)) => {
                    format!("Seen by {who} at {}", format_in_timezone(at, &me.timezone))
                }
                _ => "Not seen yet".to_owned(),
            },
        })
        .collect();
    let assignable = if scope.is_admin() {
        scope
            .members(&state.db)
            .await?
            .into_iter()
            .map(|(u, _)| MemberView { id: u.id, name: u.full_name })
            .collect()
    } else {
        Vec::new()
    };
    let case_types = if scope.is_admin() { scope.case_types(&state.db).await? } else { Vec::new() };
    let cases = HashMap::from([(case.id, case.clone())]);
    Ok(CaseDetail {
        case: summary(&case, &names),
        description: case.description.clone(),
        assignee_id: case.assignee_id,
        tasks: task_views(scope, &tasks, &cases, &names, &me.timezone),
        assignable,
        case_types,
        alerts,
    })
}

pub async fn assign(
    state: &AppState,
    scope: &CompanyScope,
    case_id: i32,
    assignee_id: i32,
) -> Result<CaseDetail, AppError> {
    let case = scope.case(&state.db, case_id).await?;
    scope.require_admin()?;
    let assignee = scope.member(&state.db, assignee_id).await?;
    if case.assignee_id == Some(assignee.id) {
        return detail(state, scope, case_id).await;
    }
    let assigner = load_user(&state.db, scope.user_id).await?;
    let occurrence = Occurrence::for_person(
        scope.company_id,
        Event::CaseAssigned,
        &case,
        assignee.id,
        Some(scope.user_id),
        format!("Case assigned: {} · {}", case.number, case.name),
        format!("{} assigned this case to you.", assigner.full_name),
    );
    let names =
        users::names_by_id(&state.db, case.assignee_id.into_iter().chain([assignee.id])).await?;
    // The assignment and its notifications are recorded together, or none is.
    let txn = state.db.begin().await?;
    let before = case.clone();
    let mut active = case.into_active_model();
    active.assignee_id = Set(Some(assignee.id));
    let after = active.update(&txn).await?;
    let mut dispatched = dispatcher::dispatch(&txn, &occurrence).await?;
    if let Some(updated) = case_events::case_updated(
        &before,
        &after,
        &names,
        Some((scope.user_id, &assigner.full_name)),
    ) {
        dispatched.extend(dispatcher::dispatch(&txn, &updated).await?);
    }
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(case_id, assignee_id, by = scope.user_id, "case assigned");
    detail(state, scope, case_id).await
}

/// A case type as typed: one clean line, not empty, not too long.
fn valid_case_type(case_type: &str) -> Result<String, AppError> {
    let case_type = case_type.trim();
    if case_type.is_empty() {
        return Err(AppError::field("case_type", "Enter the case type."));
    }
    if case_type.chars().count() > MAX_CASE_TYPE_CHARS || !crate::text::is_clean_line(case_type) {
        return Err(AppError::field(
            "case_type",
            format!("Use at most {MAX_CASE_TYPE_CHARS} characters, on one line."),
        ));
    }
    Ok(case_type.to_owned())
}

pub async fn update_details(
    state: &AppState,
    scope: &CompanyScope,
    case_id: i32,
    status: &str,
    case_type: &str,
    priority: Priority,
) -> Result<CaseDetail, AppError> {
    let case = scope.case(&state.db, case_id).await?;
    scope.require_admin()?;
    let status = status.trim();
    // A status from before this list existed may stay as it is.
    if !STATUSES.contains(&status) && status != case.status {
        return Err(AppError::field("status", "Choose a status from the list."));
    }
    let case_type = valid_case_type(case_type)?;
    let me = load_user(&state.db, scope.user_id).await?;
    let txn = state.db.begin().await?;
    let before = case.clone();
    let mut active = case.into_active_model();
    active.status = Set(status.to_owned());
    active.case_type = Set(case_type);
    active.priority = Set(priority.key().to_owned());
    let after = active.update(&txn).await?;
    let mut dispatched: Vec<Dispatched> = Vec::new();
    if let Some(updated) =
        case_events::case_updated(&before, &after, &HashMap::new(), Some((me.id, &me.full_name)))
    {
        dispatched = dispatcher::dispatch(&txn, &updated).await?;
    }
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(case_id, by = scope.user_id, "case details changed");
    detail(state, scope, case_id).await
}

/// Marks a task done once: the conditional update lets one of many simultaneous clicks
/// through, so the firm hears "Task completed" once.
pub async fn complete_task(
    state: &AppState,
    scope: &CompanyScope,
    task_id: i32,
) -> Result<(), AppError> {
    let found = scope
        .tasks()
        .filter(task::Column::Id.eq(task_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.assignee_id != Some(scope.user_id) && !scope.is_admin() {
        return Err(AppError::Forbidden);
    }
    let case = scope.case(&state.db, found.case_id).await?;
    let me = load_user(&state.db, scope.user_id).await?;
    let txn = state.db.begin().await?;
    let marked = task::Entity::update_many()
        .col_expr(task::Column::CompletedAt, sea_orm::sea_query::Expr::value(Some(Utc::now())))
        .filter(task::Column::Id.eq(found.id))
        .filter(task::Column::CompletedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(());
    }
    let occurrence = case_events::task_completed(&case, &found, &me.full_name, me.id);
    let dispatched = dispatcher::dispatch(&txn, &occurrence).await?;
    txn.commit().await?;
    dispatcher::publish(&state.live, &dispatched);
    tracing::info!(task_id, by = scope.user_id, "task marked done");
    Ok(())
}

pub async fn my_tasks(state: &AppState, scope: &CompanyScope) -> Result<Vec<TaskView>, AppError> {
    let me = load_user(&state.db, scope.user_id).await?;
    let tasks = scope
        .tasks()
        .filter(
            Condition::all()
                .add(task::Column::AssigneeId.eq(scope.user_id))
                .add(task::Column::CompletedAt.is_null()),
        )
        .order_by_asc(task::Column::DueAt)
        .all(&state.db)
        .await?;
    let cases: HashMap<i32, case::Model> = scope
        .cases()
        .filter(case::Column::Id.is_in(tasks.iter().map(|t| t.case_id).collect::<Vec<_>>()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let names = HashMap::from([(me.id, me.full_name.clone())]);
    Ok(task_views(scope, &tasks, &cases, &names, &me.timezone))
}

/// The other company of the person's that holds `case_id`, if any (see the server
/// function). Only the company's id and name leave: the case itself is read after the
/// switch, through the company scope like any other.
pub async fn case_company(
    state: &AppState,
    me: &SignedIn,
    case_id: i32,
) -> Result<Option<CompanyRef>, AppError> {
    let Some(found) = case::Entity::find_by_id(case_id).one(&state.db).await? else {
        return Ok(None);
    };
    if Some(found.company_id) == me.company_id
        || find_membership(&state.db, me.user_id, found.company_id).await?.is_none()
    {
        return Ok(None);
    }
    Ok(company::Entity::find_by_id(found.company_id)
        .one(&state.db)
        .await?
        .map(|c| CompanyRef { id: c.id, name: c.name }))
}

/// Moves the session to the company of one of the person's cases (see the server function).
pub async fn switch_to_case_company(
    state: &AppState,
    me: &SignedIn,
    case_id: i32,
) -> Result<(), AppError> {
    let found =
        case::Entity::find_by_id(case_id).one(&state.db).await?.ok_or(AppError::NotFound)?;
    scope::switch_company(state, me, found.company_id).await
}
