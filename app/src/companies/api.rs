use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A company in the "Switch Company" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub id: i32,
    pub name: String,
    pub current: bool,
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

/// Moves this session to another of the user's companies. A company the user does not
/// belong to is not found.
#[server]
pub async fn switch_company(company_id: i32) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::switch(&state, &me, company_id).await
}

/// Unread in-app notifications per company (by company id), for Switch Company. Per
/// person: counts of the user's own notifications only.
#[server]
pub async fn company_unread_counts() -> Result<Vec<(i32, usize)>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let counts = crate::notifications::inbox::unread_by_company(&state.db, me.user_id).await?;
    Ok(counts.into_iter().collect())
}
