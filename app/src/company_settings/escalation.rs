//! "Urgent alerts" (Admins): a company can require that "Negative sentiment" and "Missed
//! call" are acknowledged; the notifications feature escalates those nobody opens, at the
//! pace and to the person set here.

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use super::api::{AuditPerson, ESCALATION_MINUTES, EscalationPolicy, EscalationView};
use crate::backend::AppState;
use crate::backend::audit::{self, Client, CompanyAction, SecurityEventKind};
use crate::backend::entities::company;
use crate::backend::scope::CompanyScope;
use crate::error::AppError;

fn policy_of(company: &company::Model) -> EscalationPolicy {
    EscalationPolicy {
        negative_sentiment: company.acknowledge_negative_sentiment,
        missed_call: company.acknowledge_missed_call,
        minutes: company.escalation_minutes,
        contact_id: company.escalation_contact_id,
    }
}

async fn the_company(state: &AppState, scope: &CompanyScope) -> Result<company::Model, AppError> {
    company::Entity::find_by_id(scope.company_id).one(&state.db).await?.ok_or(AppError::NotFound)
}

pub async fn get(state: &AppState, scope: &CompanyScope) -> Result<EscalationView, AppError> {
    scope.require_admin()?;
    let company = the_company(state, scope).await?;
    let members = scope
        .members(&state.db)
        .await?
        .into_iter()
        .map(|(person, _)| AuditPerson { id: person.id, name: person.full_name })
        .collect();
    Ok(EscalationView { policy: policy_of(&company), members })
}

pub async fn save(
    state: &AppState,
    scope: &CompanyScope,
    policy: EscalationPolicy,
) -> Result<EscalationPolicy, AppError> {
    scope.require_admin()?;
    if !ESCALATION_MINUTES.contains(&policy.minutes) {
        return Err(AppError::field("minutes", "Choose one of the listed times."));
    }
    if let Some(contact) = policy.contact_id
        && scope.member(&state.db, contact).await.is_err()
    {
        return Err(AppError::field("contact_id", "Choose a member of this company."));
    }
    let before = policy_of(&the_company(state, scope).await?);
    let mut row = the_company(state, scope).await?.into_active_model();
    row.acknowledge_negative_sentiment = Set(policy.negative_sentiment);
    row.acknowledge_missed_call = Set(policy.missed_call);
    row.escalation_minutes = Set(policy.minutes);
    row.escalation_contact_id = Set(policy.contact_id);
    let saved = policy_of(&row.update(&state.db).await?);
    if saved != before {
        tracing::info!(company_id = scope.company_id, by = scope.user_id, "urgent alerts changed");
        let action = CompanyAction {
            company_id: scope.company_id,
            actor_id: scope.user_id,
            subject_id: None,
            kind: SecurityEventKind::SecurityPolicyChanged,
            detail: describe(&saved),
        };
        audit::record_in_company(&state.db, action, &Client::of_request()).await;
    }
    Ok(saved)
}

/// "Urgent alerts: Negative sentiment and Missed call must be acknowledged; escalated after
/// 10 minutes, then to the Admins", for the audit log.
fn describe(policy: &EscalationPolicy) -> String {
    let events: Vec<&str> =
        [(policy.negative_sentiment, "Negative sentiment"), (policy.missed_call, "Missed call")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
    if events.is_empty() {
        return "Urgent alerts: nothing must be acknowledged".to_owned();
    }
    let who = if policy.contact_id.is_some() { "a chosen colleague" } else { "the Admins" };
    format!(
        "Urgent alerts: {} must be acknowledged; escalated after {} minutes, then to {who}",
        events.join(" and "),
        policy.minutes
    )
}
