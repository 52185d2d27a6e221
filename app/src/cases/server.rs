//! Cases and tasks on the server: lists, details and assignment, all through the company
//! scope, and the switch to the company of a case linked from another firm.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::api::{CaseDetail, CaseSummary, CompanyRef, MemberView, TaskView};
use crate::backend::AppState;
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{case, company, task};
use crate::backend::scope::{self, CompanyScope, find_membership};
use crate::backend::session_store::SignedIn;
use crate::backend::users::{self, load_user};
use crate::error::AppError;
use crate::notifications::dispatcher::{self, Occurrence};
use crate::notifications::events::Event;

fn summary(case: &case::Model, names: &HashMap<i32, String>) -> CaseSummary {
    CaseSummary {
        id: case.id,
        number: case.number.clone(),
        name: case.name.clone(),
        case_type: case.case_type.clone(),
        status: case.status.clone(),
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
    let tasks = scope
        .tasks()
        .filter(task::Column::CaseId.eq(case.id))
        .order_by_asc(task::Column::DueAt)
        .all(&state.db)
        .await?;
    let names = users::names_by_id(
        &state.db,
        tasks.iter().filter_map(|t| t.assignee_id).chain(case.assignee_id),
    )
    .await?;
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
    let cases = HashMap::from([(case.id, case.clone())]);
    Ok(CaseDetail {
        case: summary(&case, &names),
        description: case.description.clone(),
        assignee_id: case.assignee_id,
        tasks: task_views(&tasks, &cases, &names, &me.timezone),
        assignable,
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
    let occurrence = Occurrence {
        company_id: scope.company_id,
        event: Event::CaseAssigned,
        case_id: case.id,
        task_id: None,
        recipient_id: assignee.id,
        actor_id: Some(scope.user_id),
        title: format!("Case assigned: {} · {}", case.number, case.name),
        body: format!("{} assigned this case to you.", assigner.full_name),
    };
    // The assignment and its notification are recorded together, or neither is.
    let txn = state.db.begin().await?;
    let mut active = case.into_active_model();
    active.assignee_id = Set(Some(assignee.id));
    active.update(&txn).await?;
    let dispatched = dispatcher::dispatch(&txn, &occurrence).await?;
    txn.commit().await?;
    dispatcher::publish(&state.live, dispatched.as_slice());
    tracing::info!(case_id, assignee_id, by = scope.user_id, "case assigned");
    detail(state, scope, case_id).await
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
    Ok(task_views(&tasks, &cases, &names, &me.timezone))
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
