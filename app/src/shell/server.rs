//! The shell's server side: the person's companies for "Switch Company", and what the
//! current one asks of the session (2FA, idle timeout).

use sea_orm::DatabaseConnection;

use super::api::CompanyChoice;
use crate::backend::entities::company;
use crate::backend::scope::{CompanyScope, memberships_with_companies};
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
) -> Result<(Vec<CompanyChoice>, Option<(CompanyScope, company::Model)>), AppError> {
    let memberships = memberships_with_companies(reads, me.user_id).await?;
    let models: Vec<_> = memberships.iter().map(|(m, _)| m.clone()).collect();
    let scope = match CompanyScope::current_among(db, me, &models).await {
        Ok(scope) => Some(scope),
        Err(AppError::NoCompany) => None,
        Err(err) => return Err(err),
    };
    let current = scope.as_ref().map(|s| s.company_id);
    let current_company =
        memberships.iter().find(|(m, _)| Some(m.company_id) == current).map(|(_, c)| c.clone());
    let mut list: Vec<CompanyChoice> = memberships
        .into_iter()
        .map(|(m, company)| CompanyChoice {
            id: m.company_id,
            name: company.name,
            current: Some(m.company_id) == current,
        })
        .collect();
    list.sort_by_cached_key(|c| c.name.to_lowercase());
    Ok((list, scope.zip(current_company)))
}

/// What the current company asks of this session: the 2FA notice (grace period or gate)
/// and the idle timeout, in seconds, the page counts down from.
pub async fn company_rules(
    state: &crate::backend::AppState,
    me: &SignedIn,
    company: Option<&company::Model>,
) -> Result<(Option<super::api::TwoFactorNotice>, i64), AppError> {
    use crate::backend::company_policy::{self, TwoFactorRule};
    let server_idle = state.config.session_idle;
    let Some(company) = company else { return Ok((None, server_idle.num_seconds())) };
    let idle = company
        .idle_timeout_minutes
        .map_or(server_idle, |m| chrono::Duration::minutes(i64::from(m)).min(server_idle));
    let now = chrono::Utc::now();
    let days_left = match company_policy::two_factor_rule(company, now) {
        TwoFactorRule::NotRequired => return Ok((None, idle.num_seconds())),
        // Whole days, rounded up: "1 day left" until the very end.
        TwoFactorRule::GracePeriod { until } => {
            Some(((until - now).num_seconds() + 86_399) / 86_400)
        }
        TwoFactorRule::Required => None,
    };
    if company_policy::has_authenticator_app(&state.db, me.user_id).await? {
        return Ok((None, idle.num_seconds()));
    }
    let notice = super::api::TwoFactorNotice { company: company.name.clone(), days_left };
    Ok((Some(notice), idle.num_seconds()))
}
