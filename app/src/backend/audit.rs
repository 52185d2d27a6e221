//! The security log: who did what to an account, from which browser and address. Written
//! by signing in, the Security tab and the Profile tab; read by the Security tab.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::entities::security_event;

/// The browser and address a request came from, for the activity log.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub user_agent: String,
    pub address: String,
    /// The device cookie's token, if the browser holds one (see `device_cookies`).
    pub device: Option<String>,
}

impl Client {
    pub fn of_request() -> Self {
        Client {
            user_agent: super::request::user_agent(),
            address: super::request::client_address(),
            device: super::device_cookies::presented(),
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
}

impl SecurityEventKind {
    pub const ALL: [SecurityEventKind; 12] = [
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
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Writes an activity entry. A failure is logged: the log must never stop the action.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: SecurityEventKind,
    client: &Client,
) {
    let inserted = security_event::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.name().to_owned()),
        user_agent: Set(client.user_agent.chars().take(512).collect()),
        client_address: Set(client.address.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await;
    if let Err(err) = inserted {
        tracing::warn!(%err, kind = kind.name(), "could not record a security event");
    }
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
