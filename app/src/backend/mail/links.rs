//! Every link an email carries, built in one place from the public URL, so a change of
//! address or path is one edit and no message forgets the base.

use crate::backend::state::RuntimeConfig;

/// An absolute link to a path of the app (`path` starts with `/`).
pub fn to_path(config: &RuntimeConfig, path: &str) -> String {
    format!("{}{path}", config.public_url.trim_end_matches('/'))
}

/// The link that confirms a new login email.
pub fn confirm_email(config: &RuntimeConfig, token: &str) -> String {
    to_path(config, &format!("/confirm-email?token={token}"))
}

/// The link, sent to the old address, that cancels a pending login-email change.
pub fn cancel_email_change(config: &RuntimeConfig, token: &str) -> String {
    to_path(config, &format!("/confirm-email?cancel={token}"))
}

/// The "Forgot password?" link that opens "Choose a new password".
pub fn reset_password(config: &RuntimeConfig, token: &str) -> String {
    to_path(config, &format!("/reset-password?token={token}"))
}

/// "This wasn't me", in every credential-change email: opens "Secure my account".
pub fn wasnt_me(config: &RuntimeConfig, token: &str) -> String {
    to_path(config, &format!("/secure-account?token={token}"))
}

/// One-click unsubscribe, in every notification and digest email (and its
/// `List-Unsubscribe` header): the GET shows the choice, the POST makes it.
pub fn unsubscribe(config: &RuntimeConfig, signed: &str) -> String {
    to_path(config, &format!("/unsubscribe?link={signed}"))
}

/// A case's page.
pub fn case(config: &RuntimeConfig, case_id: i32) -> String {
    to_path(config, &format!("/cases/{case_id}"))
}

/// A tab of Profile Settings: "profile", "notifications", "security" or "sessions".
pub fn settings(config: &RuntimeConfig, tab: &str) -> String {
    to_path(config, &format!("/settings/{tab}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str) -> RuntimeConfig {
        RuntimeConfig {
            public_url: public_url.into(),
            secure_cookies: false,
            session_idle: chrono::Duration::days(7),
            session_absolute: chrono::Duration::days(30),
            default_phone_region: "US".into(),
            trusted_proxies: Default::default(),
            forwarded_header: Default::default(),
            allow_remembered_devices: true,
            notification_retention: chrono::Duration::days(180),
        }
    }

    #[test]
    fn links_join_the_public_url_with_one_slash() {
        for base in ["https://kayse.example", "https://kayse.example/"] {
            let config = config(base);
            assert_eq!(case(&config, 7), "https://kayse.example/cases/7");
            assert_eq!(settings(&config, "security"), "https://kayse.example/settings/security");
            assert_eq!(
                confirm_email(&config, "ab12"),
                "https://kayse.example/confirm-email?token=ab12"
            );
        }
    }
}
