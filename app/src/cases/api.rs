//! Cases and tasks of the current company. Every function here is company-scoped: it goes
//! through `CompanyScope::current()` and is listed in the isolation test
//! (server/tests/integration/isolation.rs), which fails for any scoped function it lacks.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::case_priority::Priority;
use crate::error::AppError;

/// The statuses a case moves through, in order.
pub const STATUSES: [&str; 5] = ["Intake", "Open", "Discovery", "Settlement", "Closed"];
/// The longest case type name.
pub const MAX_CASE_TYPE_CHARS: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: i32,
    pub number: String,
    pub name: String,
    pub case_type: String,
    pub status: String,
    pub priority: Priority,
    pub assignee: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: i32,
    pub title: String,
    pub case_id: i32,
    pub case_label: String,
    /// In the user's timezone.
    pub due: String,
    pub overdue: bool,
    pub assignee: Option<String>,
    /// The signed-in person may mark it done (it is theirs, or they are an Admin).
    pub can_complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i32,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case: CaseSummary,
    pub description: String,
    pub assignee_id: Option<i32>,
    pub tasks: Vec<TaskView>,
    /// The company's members, for an Admin to assign the case; empty for others.
    pub assignable: Vec<MemberView>,
    /// The firm's case types, for an Admin editing the case; empty for others.
    pub case_types: Vec<String>,
    /// The latest alerts the firm wanted acknowledged on this case, newest first.
    pub alerts: Vec<AlertNote>,
}

/// An alert on a case and who saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertNote {
    /// "Negative sentiment, Dec 1, 2026 at 14:02".
    pub what: String,
    /// "Seen by Priya Shah at Dec 1, 2026 at 14:05", or "Not seen yet".
    pub seen: String,
}

#[server]
pub async fn list_cases(search: String) -> Result<Vec<CaseSummary>, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::list(&state, &scope, &search).await
}

#[server]
pub async fn get_case(id: i32) -> Result<CaseDetail, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let me = request::signed_in()?;
    let scope = CompanyScope::current(&state.db, &me).await?;
    super::server::detail(&state, &scope, id).await
}

/// Admins only; the assignee must be a member of the same company.
#[server]
pub async fn assign_case(case_id: i32, assignee_id: i32) -> Result<CaseDetail, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::assign(&state, &scope, case_id, assignee_id).await
}

/// Admins only: a case's status, type and priority. Everyone else in the firm who follows
/// the case hears "Case updated".
#[server]
pub async fn update_case_details(
    case_id: i32,
    status: String,
    case_type: String,
    priority: Priority,
) -> Result<CaseDetail, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::update_details(&state, &scope, case_id, &status, &case_type, priority).await
}

/// "Mark done": the task's assignee or an Admin. Marking a done task done again changes
/// nothing and tells nobody.
#[server]
pub async fn complete_task(task_id: i32) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::complete_task(&state, &scope, task_id).await
}

/// Tasks assigned to the user in the current company, soonest first.
#[server]
pub async fn my_tasks() -> Result<Vec<TaskView>, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::my_tasks(&state, &scope).await
}

/// Another of the person's companies, where something they opened lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRef {
    pub id: i32,
    pub name: String,
}

/// Which of the person's other companies holds this case: a link from an email or a push
/// can name a case of any of their firms, while the session works in one. `None` when the
/// case is in the current company, does not exist, or is in a company the person does not
/// belong to (those two look the same).
#[server]
pub async fn case_company(case_id: i32) -> Result<Option<CompanyRef>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::case_company(&state, &me, case_id).await
}

/// Moves this session to the company that holds `case_id`, for "Switch to <firm>" on a link
/// into another of the person's companies. A case of a company the person does not belong
/// to is "not found", like one that does not exist.
#[server]
pub async fn switch_to_case_company(case_id: i32) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::switch_to_case_company(&state, &me, case_id).await
}
