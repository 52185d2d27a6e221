//! The shell's server side: the person's companies for "Switch Company".

use sea_orm::DatabaseConnection;

use super::api::CompanyChoice;
use crate::backend::scope::{CompanyScope, memberships_with_names};
use crate::backend::session_store::SignedIn;
use crate::error::AppError;

/// The user's companies by name, the current one marked (after the membership check, so a
/// removed membership is never shown as current).
///
/// Every signed-in page renders this, so it is one query, on the read pool: through the
/// single writing connection, the three queries it used to make queued behind each other
/// and capped the server at about 1,400 pages a second. `db` is used only when the
/// session has to move to another company.
pub async fn company_choices(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    me: &SignedIn,
) -> Result<(Vec<CompanyChoice>, Option<CompanyScope>), AppError> {
    let memberships = memberships_with_names(reads, me.user_id).await?;
    let models: Vec<_> = memberships.iter().map(|(m, _)| m.clone()).collect();
    let scope = match CompanyScope::current_among(db, me, &models).await {
        Ok(scope) => Some(scope),
        Err(AppError::NoCompany) => None,
        Err(err) => return Err(err),
    };
    let current = scope.as_ref().map(|s| s.company_id);
    let mut list: Vec<CompanyChoice> = memberships
        .into_iter()
        .map(|(m, name)| CompanyChoice {
            id: m.company_id,
            name,
            current: Some(m.company_id) == current,
        })
        .collect();
    list.sort_by_cached_key(|c| c.name.to_lowercase());
    Ok((list, scope))
}
