use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::api::{CompanyChoice, CompanyRef};
use crate::backend::AppState;
use crate::backend::entities::{case, company, membership};
use crate::backend::scope::{CompanyScope, find_membership, move_session};
use crate::backend::sessions::SignedIn;
use crate::error::AppError;

/// Company names by id, for lists that show the company of each row.
pub async fn names(db: &impl sea_orm::ConnectionTrait, ids: Vec<i32>) -> Result<HashMap<i32, String>, AppError> {
    Ok(company::Entity::find().filter(company::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|c| (c.id, c.name)).collect())
}

/// One company's name ("" if it was deleted meanwhile).
pub async fn name(db: &impl sea_orm::ConnectionTrait, id: i32) -> Result<String, AppError> {
    Ok(company::Entity::find_by_id(id).one(db).await?.map(|c| c.name).unwrap_or_default())
}

/// The user's companies by name, the current one marked (after the membership check, so a
/// removed membership is never shown as current).
pub async fn choices(db: &DatabaseConnection, me: &SignedIn) -> Result<(Vec<CompanyChoice>, Option<CompanyScope>), AppError> {
    let scope = match CompanyScope::current(db, me).await {
        Ok(scope) => Some(scope),
        Err(AppError::NoCompany) => None,
        Err(err) => return Err(err),
    };
    let ids: Vec<i32> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(me.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.company_id)
        .collect();
    let names = names(db, ids).await?;
    let current = scope.as_ref().map(|s| s.company_id);
    let mut list: Vec<CompanyChoice> =
        names.into_iter().map(|(id, name)| CompanyChoice { id, name, current: Some(id) == current }).collect();
    list.sort_by_cached_key(|c| c.name.to_lowercase());
    Ok((list, scope))
}

pub async fn switch(state: &AppState, me: &SignedIn, company_id: i32) -> Result<(), AppError> {
    find_membership(&state.db, me.user_id, company_id).await?.ok_or(AppError::NotFound)?;
    move_session(&state.db, me.session_id, Some(company_id)).await?;
    tracing::info!(user_id = me.user_id, company_id, "switched company");
    Ok(())
}

/// The other company of the person's that holds `case_id`, if any (see the server
/// function). Only the company's id and name leave: the case itself is read after the
/// switch, through the company scope like any other.
pub async fn case_company(state: &AppState, me: &SignedIn, case_id: i32) -> Result<Option<CompanyRef>, AppError> {
    let Some(found) = case::Entity::find_by_id(case_id).one(&state.db).await? else { return Ok(None) };
    if Some(found.company_id) == me.company_id || find_membership(&state.db, me.user_id, found.company_id).await?.is_none() {
        return Ok(None);
    }
    Ok(company::Entity::find_by_id(found.company_id).one(&state.db).await?.map(|c| CompanyRef { id: c.id, name: c.name }))
}
