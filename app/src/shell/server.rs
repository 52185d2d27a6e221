//! The shell's server side: the person's companies for "Switch Company".

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::api::CompanyChoice;
use crate::backend::entities::membership;
use crate::backend::scope::{CompanyScope, company_names};
use crate::backend::session_store::SignedIn;
use crate::error::AppError;

/// The user's companies by name, the current one marked (after the membership check, so a
/// removed membership is never shown as current).
pub async fn company_choices(
    db: &DatabaseConnection,
    me: &SignedIn,
) -> Result<(Vec<CompanyChoice>, Option<CompanyScope>), AppError> {
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
    let names = company_names(db, ids).await?;
    let current = scope.as_ref().map(|s| s.company_id);
    let mut list: Vec<CompanyChoice> = names
        .into_iter()
        .map(|(id, name)| CompanyChoice { id, name, current: Some(id) == current })
        .collect();
    list.sort_by_cached_key(|c| c.name.to_lowercase());
    Ok((list, scope))
}
