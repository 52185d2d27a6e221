//! The security log: who did what to an account, from which browser and address. Written
//! by signing in, the Security tab and the Profile tab; read by the Security tab. Each
//! entry is copied to the audit log of every company the person belongs to, which also
//! holds what Admins do in the company (read by Company settings, "Audit log").

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::entities::{audit_entry, membership, security_event, user};

/// The browser and address a request came from, for the activity log.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub user_agent: String,
    pub address: String,
    /// The device cookie's token, if the browser holds one (see `device_cookies`).
    pub device: Option<String>,
    /// The remembered-device token, if the browser holds one (see `remembered_devices`).
    pub remembered: Option<String>,
}

impl Client {
    pub fn of_request() -> Self {
        Client {
            user_agent: super::request::user_agent(),
            address: super::request::client_address(),
            device: super::device_cookies::presented(),
            remembered: super::remembered_devices::presented(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityEventKind {
    SignedIn,
    SignInFailed,
    PasswordChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    BackupCodeUsed,
    BackupCodesRegenerated,
    EmailChanged,
    SecondFactorFailed,
    SecondFactorReused,
    SignInLockedOut,
    PasswordReset,
    AccountSecured,
    DeviceRemembered,
    PasskeyAdded,
    PasskeyRemoved,
    SignedOut,
    SessionEnded,
    OtherSessionsEnded,
    RoleChanged,
    MemberRemoved,
    TwoFactorResetByAdmin,
    SignedOutByAdmin,
    AllMembersSignedOut,
    ApiTokenCreated,
    ApiTokenRevoked,
    SecurityPolicyChanged,
}

impl SecurityEventKind {
    pub const ALL: [SecurityEventKind; 27] = [
        SecurityEventKind::SignedIn,
        SecurityEventKind::SignInFailed,
        SecurityEventKind::PasswordChanged,
        SecurityEventKind::TwoFactorEnabled,
        SecurityEventKind::TwoFactorDisabled,
        SecurityEventKind::BackupCodeUsed,
        SecurityEventKind::BackupCodesRegenerated,
        SecurityEventKind::EmailChanged,
        SecurityEventKind::SecondFactorFailed,
        SecurityEventKind::SecondFactorReused,
        SecurityEventKind::SignInLockedOut,
        SecurityEventKind::PasswordReset,
        SecurityEventKind::AccountSecured,
        SecurityEventKind::DeviceRemembered,
        SecurityEventKind::PasskeyAdded,
        SecurityEventKind::PasskeyRemoved,
        SecurityEventKind::SignedOut,
        SecurityEventKind::SessionEnded,
        SecurityEventKind::OtherSessionsEnded,
        SecurityEventKind::RoleChanged,
        SecurityEventKind::MemberRemoved,
        SecurityEventKind::TwoFactorResetByAdmin,
        SecurityEventKind::SignedOutByAdmin,
        SecurityEventKind::AllMembersSignedOut,
        SecurityEventKind::ApiTokenCreated,
        SecurityEventKind::ApiTokenRevoked,
        SecurityEventKind::SecurityPolicyChanged,
    ];

    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            SecurityEventKind::SignedIn => "signed_in",
            SecurityEventKind::SignInFailed => "sign_in_failed",
            SecurityEventKind::PasswordChanged => "password_changed",
            SecurityEventKind::TwoFactorEnabled => "two_factor_enabled",
            SecurityEventKind::TwoFactorDisabled => "two_factor_disabled",
            SecurityEventKind::BackupCodeUsed => "backup_code_used",
            SecurityEventKind::BackupCodesRegenerated => "backup_codes_regenerated",
            SecurityEventKind::EmailChanged => "email_changed",
            SecurityEventKind::SecondFactorFailed => "second_factor_failed",
            SecurityEventKind::SecondFactorReused => "second_factor_reused",
            SecurityEventKind::SignInLockedOut => "sign_in_locked_out",
            SecurityEventKind::PasswordReset => "password_reset",
            SecurityEventKind::AccountSecured => "account_secured",
            SecurityEventKind::DeviceRemembered => "device_remembered",
            SecurityEventKind::PasskeyAdded => "passkey_added",
            SecurityEventKind::PasskeyRemoved => "passkey_removed",
            SecurityEventKind::SignedOut => "signed_out",
            SecurityEventKind::SessionEnded => "session_ended",
            SecurityEventKind::OtherSessionsEnded => "other_sessions_ended",
            SecurityEventKind::RoleChanged => "role_changed",
            SecurityEventKind::MemberRemoved => "member_removed",
            SecurityEventKind::TwoFactorResetByAdmin => "two_factor_reset_by_admin",
            SecurityEventKind::SignedOutByAdmin => "signed_out_by_admin",
            SecurityEventKind::AllMembersSignedOut => "all_members_signed_out",
            SecurityEventKind::ApiTokenCreated => "api_token_created",
            SecurityEventKind::ApiTokenRevoked => "api_token_revoked",
            SecurityEventKind::SecurityPolicyChanged => "security_policy_changed",
        }
    }

    /// What the Security tab shows.
    pub fn label(self) -> &'static str {
        match self {
            SecurityEventKind::SignedIn => "Signed in",
            SecurityEventKind::SignInFailed => "Failed sign-in attempt",
            SecurityEventKind::PasswordChanged => "Password changed",
            SecurityEventKind::TwoFactorEnabled => "Two-factor authentication turned on",
            SecurityEventKind::TwoFactorDisabled => "Two-factor authentication turned off",
            SecurityEventKind::BackupCodeUsed => "Signed in with a backup code",
            SecurityEventKind::BackupCodesRegenerated => "New backup codes generated",
            SecurityEventKind::EmailChanged => "Login email changed",
            SecurityEventKind::SecondFactorFailed => "Wrong two-factor code",
            SecurityEventKind::SecondFactorReused => "Two-factor code used a second time",
            SecurityEventKind::SignInLockedOut => "Sign-in paused after repeated failures",
            SecurityEventKind::PasswordReset => "Password reset with an email link",
            SecurityEventKind::AccountSecured => "Account secured: signed out everywhere",
            SecurityEventKind::DeviceRemembered => "Device remembered for 30 days",
            SecurityEventKind::PasskeyAdded => "Passkey added",
            SecurityEventKind::PasskeyRemoved => "Passkey removed",
            SecurityEventKind::SignedOut => "Signed out",
            SecurityEventKind::SessionEnded => "Signed out another session",
            SecurityEventKind::OtherSessionsEnded => "Signed out of every other session",
            SecurityEventKind::RoleChanged => "Role changed",
            SecurityEventKind::MemberRemoved => "Removed from the company",
            SecurityEventKind::TwoFactorResetByAdmin => {
                "Two-factor authentication reset by an Admin"
            }
            SecurityEventKind::SignedOutByAdmin => "Signed out everywhere by an Admin",
            SecurityEventKind::AllMembersSignedOut => "All members signed out",
            SecurityEventKind::ApiTokenCreated => "API token created",
            SecurityEventKind::ApiTokenRevoked => "API token revoked",
            SecurityEventKind::SecurityPolicyChanged => "Security policy changed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Writes an entry to the person's security log and to the audit log of every company
/// they belong to. A failure is logged: the log must never stop the action.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: SecurityEventKind,
    client: &Client,
) {
    record_personal(db, user_id, kind, None, client).await;
    let companies: Result<Vec<i32>, _> = membership::Entity::find()
        .select_only()
        .column(membership::Column::CompanyId)
        .filter(membership::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await;
    let entries: Vec<audit_entry::ActiveModel> = match companies {
        Ok(companies) => companies
            .into_iter()
            .map(|company_id| {
                audit_row(company_id, Some(user_id), None, kind, String::new(), client)
            })
            .collect(),
        Err(err) => {
            tracing::warn!(%err, kind = kind.name(), "could not find the companies to log to");
            return;
        }
    };
    if entries.is_empty() {
        return;
    }
    if let Err(err) = audit_entry::Entity::insert_many(entries).exec(db).await {
        tracing::warn!(%err, kind = kind.name(), "could not record an audit entry");
    }
}

/// Something done in a company: by `actor`, to `subject` if it was done to a member.
pub struct CompanyAction {
    pub company_id: i32,
    pub actor_id: i32,
    pub subject_id: Option<i32>,
    pub kind: SecurityEventKind,
    /// A token's name, a new role: what the entry needs besides its kind.
    pub detail: String,
}

/// Writes a company action to the company's audit log; when it was done to another
/// member, their own security log says so too, naming who did it and in which company.
pub async fn record_in_company(db: &impl ConnectionTrait, action: CompanyAction, client: &Client) {
    let row = audit_row(
        action.company_id,
        Some(action.actor_id),
        action.subject_id,
        action.kind,
        action.detail.clone(),
        client,
    );
    if let Err(err) = row.insert(db).await {
        tracing::warn!(%err, kind = action.kind.name(), "could not record an audit entry");
    }
    let Some(subject_id) = action.subject_id.filter(|id| *id != action.actor_id) else {
        return;
    };
    let actor = user::Entity::find_by_id(action.actor_id).one(db).await.ok().flatten();
    let company = super::scope::company_name(db, action.company_id).await.unwrap_or_default();
    let by = actor.map_or_else(|| "an Admin".to_owned(), |a| a.full_name);
    let detail = match action.detail.as_str() {
        "" => format!("By {by}, {company}"),
        what => format!("{what}, by {by}, {company}"),
    };
    record_personal(db, subject_id, action.kind, Some(detail), client).await;
}

async fn record_personal(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: SecurityEventKind,
    detail: Option<String>,
    client: &Client,
) {
    let inserted = security_event::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.name().to_owned()),
        user_agent: Set(client.user_agent.chars().take(512).collect()),
        client_address: Set(client.address.clone()),
        created_at: Set(Utc::now()),
        detail: Set(detail),
        ..Default::default()
    }
    .insert(db)
    .await;
    if let Err(err) = inserted {
        tracing::warn!(%err, kind = kind.name(), "could not record a security event");
    }
}

fn audit_row(
    company_id: i32,
    actor_id: Option<i32>,
    subject_id: Option<i32>,
    kind: SecurityEventKind,
    detail: String,
    client: &Client,
) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        company_id: Set(company_id),
        actor_id: Set(actor_id),
        subject_id: Set(subject_id),
        kind: Set(kind.name().to_owned()),
        detail: Set(detail),
        user_agent: Set(client.user_agent.chars().take(512).collect()),
        client_address: Set(client.address.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// "3 failed sign-in attempts since your last visit, the latest on 1 Dec 2026, 14:02 EST
/// from 203.0.113.9": wrong passwords and wrong second-step codes since the account's
/// last sign-in (all of them before its first), or `None` when there were none. Called
/// as a session starts, before that sign-in is recorded.
pub async fn failed_sign_ins_since_last(
    db: &impl ConnectionTrait,
    person: &user::Model,
) -> Result<Option<String>, crate::error::AppError> {
    let of_person = security_event::Column::UserId.eq(person.id);
    let last_sign_in = security_event::Entity::find()
        .filter(of_person.clone())
        .filter(security_event::Column::Kind.eq(SecurityEventKind::SignedIn.name()))
        .order_by_desc(security_event::Column::Id)
        .one(db)
        .await?
        .map_or(0, |e| e.id);
    let failures = security_event::Entity::find()
        .filter(of_person)
        .filter(security_event::Column::Id.gt(last_sign_in))
        .filter(security_event::Column::Kind.is_in([
            SecurityEventKind::SignInFailed.name(),
            SecurityEventKind::SecondFactorFailed.name(),
        ]))
        .order_by_desc(security_event::Column::Id);
    let Some(latest) = failures.clone().one(db).await? else { return Ok(None) };
    let count = failures.count(db).await?;
    let when = super::display::format_in_timezone(latest.created_at, &person.timezone);
    Ok(Some(format!(
        "{count} failed sign-in attempt{} since your last visit, the latest on {when} from {}.",
        if count == 1 { "" } else { "s" },
        latest.client_address
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_round_trips_by_name() {
        for kind in SecurityEventKind::ALL {
            assert_eq!(SecurityEventKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(SecurityEventKind::from_name("nonsense"), None);
    }
}
