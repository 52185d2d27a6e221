//! The company settings page's server functions: the company's members, and the API
//! tokens its communication systems use to report messages and calls. Company-scoped,
//! Admins only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i32,
    pub name: String,
    /// The token's first characters, to tell tokens apart: `kayse_3f9a1c…`.
    pub prefix: String,
    pub created: String,
    pub created_by: String,
    pub last_used: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyTokens {
    pub company_name: String,
    pub is_admin: bool,
    /// Live tokens, newest first (empty for non-Admins).
    pub tokens: Vec<ApiTokenView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    /// The whole token, shown this once.
    pub token: String,
    pub view: ApiTokenView,
}

#[server]
pub async fn list_api_tokens() -> Result<CompanyTokens, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::list(&state, &scope).await
}

#[server]
pub async fn create_api_token(name: String) -> Result<CreatedApiToken, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::create(&state, &scope, &name).await
}

#[server]
pub async fn revoke_api_token(id: i32) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::server::revoke(&state, &scope, id).await
}

/// A member of the company, as its Admins see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    /// The Admin looking.
    pub is_me: bool,
    /// "Off", "App", "Passkey only" or "App and passkey".
    pub two_factor: String,
    /// In the viewer's timezone; none if they never signed in.
    pub last_sign_in: Option<String>,
    pub open_sessions: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyMembers {
    /// By name.
    pub members: Vec<MemberView>,
    /// Whether the Admin looking has an authenticator app: only then may they reset
    /// someone else's 2FA.
    pub i_have_two_factor: bool,
}

/// The company's members (Admins only).
#[server]
pub async fn list_members() -> Result<CompanyMembers, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::list(&state, &scope).await
}

/// Makes a member an Admin, or a Member again; the last Admin stays one.
#[server]
pub async fn set_member_role(user_id: i32, admin: bool) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::set_role(&state, &scope, user_id, admin).await
}

/// "Sign out everywhere" for a member: every session of theirs ends; returns how many.
#[server]
pub async fn sign_out_member(user_id: i32) -> Result<u64, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::sign_out_everywhere(&state, &scope, user_id).await
}

/// "Remove from company": the member's sessions here move to another of their companies,
/// or end. The last Admin cannot be removed.
#[server]
pub async fn remove_member(user_id: i32) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::remove(&state, &scope, user_id).await
}

/// "Reset 2FA" for a locked-out member (only an Admin who has 2FA on).
#[server]
pub async fn reset_member_two_factor(user_id: i32) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::reset_two_factor(&state, &scope, user_id).await
}

/// "Sign out all members": the Admin's password and the company's name typed; returns
/// how many sessions ended.
#[server]
pub async fn sign_out_all_members(password: String, confirmation: String) -> Result<u64, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::members::sign_out_all(&state, &scope, password, &confirmation).await
}

/// Which entries of the audit log to show: one person's (as actor or subject), one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub person: Option<i32>,
    /// A kind's stored name, e.g. `signed_in`.
    pub kind: Option<String>,
}

impl AuditFilter {
    /// The query string of the CSV export with this filter.
    pub fn export_url(&self) -> String {
        let mut parts = Vec::new();
        if let Some(person) = self.person {
            parts.push(format!("person={person}"));
        }
        if let Some(kind) = self.kind.as_deref().filter(|k| !k.is_empty()) {
            parts.push(format!("kind={kind}"));
        }
        match parts.is_empty() {
            true => AUDIT_EXPORT_PATH.to_owned(),
            false => format!("{AUDIT_EXPORT_PATH}?{}", parts.join("&")),
        }
    }
}

/// Where "Export CSV" downloads the log (served by the server crate).
pub const AUDIT_EXPORT_PATH: &str = "/company/audit-log.csv";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i32,
    /// In the viewer's timezone.
    pub when: String,
    pub what: String,
    /// Who did it.
    pub who: String,
    /// The member it was done to, when someone else did it.
    pub about: Option<String>,
    pub detail: String,
    pub device: String,
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPerson {
    pub id: i32,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogPage {
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
    /// The cursor of the next, older page, if there is one.
    pub older: Option<i32>,
    /// The company's members, for the person filter.
    pub people: Vec<AuditPerson>,
    /// Every kind (stored name, label), for the kind filter.
    pub kinds: Vec<(String, String)>,
}

/// A page of the company's audit log (Admins only): one person's entries or everyone's,
/// one kind or every kind, older than `before` (the newest when none).
#[server]
pub async fn list_audit_log(
    person: Option<i32>,
    kind: Option<String>,
    before: Option<i32>,
) -> Result<AuditLogPage, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    let filter = AuditFilter { person, kind };
    super::audit_log::page(&state, &scope, &filter, before).await
}

/// Why an Admin without 2FA cannot require it (they would be the first one kept out).
pub const REQUIRE_NEEDS_YOUR_2FA: &str = "Turn on two-factor authentication for your own account (Security tab) before requiring it of everyone.";

/// One option of a policy's list: its value and how it reads ("30 minutes").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChoice {
    pub value: i32,
    pub label: String,
}

/// The company's security policy, as its Admins see and edit it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicyView {
    pub company: String,
    pub require_two_factor: bool,
    pub grace_days: i32,
    /// The end of the grace period, in the viewer's timezone, while it runs.
    pub required_from: Option<String>,
    pub members_without_two_factor: u64,
    /// Only an Admin with 2FA may require it of everyone.
    pub i_have_two_factor: bool,
    /// `None`: the server's limit.
    pub idle_timeout_minutes: Option<i32>,
    pub max_session_hours: Option<i32>,
    pub allow_remembered_devices: bool,
    /// The idle timeouts offered (minutes), within the server's limit.
    pub idle_choices: Vec<PolicyChoice>,
    /// The maximum session lengths offered (hours), within the server's limit.
    pub max_choices: Vec<PolicyChoice>,
    /// The server's own limits, in words: "7 days", "30 days".
    pub server_idle: String,
    pub server_max: String,
}

/// What "Save policy" sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicyInput {
    pub require_two_factor: bool,
    /// 0 to 30.
    pub grace_days: i32,
    pub idle_timeout_minutes: Option<i32>,
    pub max_session_hours: Option<i32>,
    pub allow_remembered_devices: bool,
}

/// The company's security policy (Admins only).
#[server]
pub async fn get_security_policy() -> Result<SecurityPolicyView, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::policy::get(&state, &scope).await
}

/// "Save policy" (Admins only).
#[server]
pub async fn save_security_policy(
    require_two_factor: bool,
    grace_days: i32,
    idle_timeout_minutes: Option<i32>,
    max_session_hours: Option<i32>,
    allow_remembered_devices: bool,
) -> Result<(), AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    let input = SecurityPolicyInput {
        require_two_factor,
        grace_days,
        idle_timeout_minutes,
        max_session_hours,
        allow_remembered_devices,
    };
    super::policy::save(&state, &scope, input).await
}

/// The escalation steps' waits offered, in minutes (5 to 240).
pub const ESCALATION_MINUTES: [i32; 7] = [5, 10, 15, 30, 60, 120, 240];

/// "Urgent alerts" (Admins): which events must be acknowledged and who hears of an alert
/// nobody on the case opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    pub negative_sentiment: bool,
    pub missed_call: bool,
    /// The wait before each step, in minutes.
    pub minutes: i32,
    /// Who hears last: `None` for the company's Admins, else a member.
    pub contact_id: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationView {
    pub policy: EscalationPolicy,
    /// The company's members, for "Then tell".
    pub members: Vec<AuditPerson>,
}

#[server]
pub async fn get_escalation_policy() -> Result<EscalationView, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    super::escalation::get(&state, &scope).await
}

/// Admins only. `contact_id` 0 means the company's Admins.
#[server]
pub async fn save_escalation_policy(
    negative_sentiment: bool,
    missed_call: bool,
    minutes: i32,
    contact_id: i32,
) -> Result<EscalationPolicy, AppError> {
    use crate::backend::{request, scope::CompanyScope};
    let state = request::state()?;
    let scope = CompanyScope::current(&state.db, &request::signed_in()?).await?;
    let policy = EscalationPolicy {
        negative_sentiment,
        missed_call,
        minutes,
        contact_id: (contact_id != 0).then_some(contact_id),
    };
    super::escalation::save(&state, &scope, policy).await
}
