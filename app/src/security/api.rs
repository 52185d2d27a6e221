//! The Security tab's wire types and server functions. Every response carrying a secret, a QR code or backup codes is an `/api/`
//! response, which the security-headers layer marks `Cache-Control: no-store`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityActivity {
    /// "Password changed", "Signed in", …
    pub what: String,
    /// For what an Admin did: "By Jane Admin, Smith & Co".
    pub detail: Option<String>,
    /// "Chrome 131 on Linux".
    pub device: String,
    pub address: String,
    /// In the user's timezone.
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityOverview {
    /// When 2FA was turned on, in the user's timezone; `None` when it is off.
    pub two_factor_since: Option<String>,
    pub backup_codes_left: usize,
    /// The most recent first.
    pub activity: Vec<SecurityActivity>,
    /// Browsers that skip the second step, the most recently used first.
    pub remembered_devices: Vec<RememberedDevice>,
    /// Whether this server lets a browser be remembered at all.
    pub remembering_allowed: bool,
    /// The oldest first.
    pub passkeys: Vec<PasskeyView>,
    /// False when the server is reached by an IP address, where WebAuthn cannot work.
    pub passkeys_available: bool,
    /// The person's companies that require 2FA, by name: while any does, it stays on.
    pub two_factor_required_by: Vec<String>,
    /// What each of the person's companies with a policy asks, for "Your companies'
    /// policies": the profile is global, these come from the companies.
    pub company_policies: Vec<CompanyPolicyNote>,
}

/// What one company asks of the people who work in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyPolicyNote {
    pub company: String,
    /// "Requires two-factor authentication from 8 Dec 2026, 09:00 EST", "Signs you out
    /// after 30 minutes without activity", …
    pub rules: Vec<String>,
}

/// A passkey as the Security tab lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: i32,
    pub name: String,
    /// In the user's timezone.
    pub added: String,
    pub last_used: Option<String>,
}

/// "Add a passkey", after the password: the browser's prompt, and a name to offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRegistrationStart {
    pub challenge: crate::ui::passkeys::PasskeyChallenge,
    /// "Chrome on macOS", from the browser asking.
    pub suggested_name: String,
}

/// A browser remembered at the second step ("Remember this device for 30 days").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedDevice {
    pub id: i32,
    /// "Chrome 131 on Linux".
    pub device: String,
    /// Where it was remembered from.
    pub address: String,
    /// In the user's timezone.
    pub remembered_on: String,
    pub last_used: String,
    /// The browser asking.
    pub this_browser: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    /// A `data:image/svg+xml` URL of the QR code.
    pub qr_code: String,
    /// The secret in groups of four, for apps that can't scan.
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub other_sessions_ended: u64,
}

#[server]
pub async fn get_security_overview() -> Result<SecurityOverview, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let presented = crate::backend::remembered_devices::presented();
    super::server::overview(&state, &me, presented.as_deref()).await
}

/// "Add a passkey": the password, then the options for the browser's prompt.
#[server]
pub async fn begin_passkey_registration(
    password: String,
) -> Result<PasskeyRegistrationStart, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let client = crate::backend::audit::Client::of_request();
    super::passkeys::begin_registration(&state, &me, password, &client).await
}

/// The browser's new passkey (`credential`: its JSON), stored under `name`.
#[server]
pub async fn finish_passkey_registration(
    ceremony: String,
    credential: String,
    name: String,
) -> Result<PasskeyView, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let client = crate::backend::audit::Client::of_request();
    super::passkeys::finish_registration(&state, &me, &ceremony, &credential, &name, &client).await
}

#[server]
pub async fn rename_passkey(id: i32, name: String) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::passkeys::rename(&state, &me, id, &name).await
}

/// "Remove", with the password unless it was entered in the last 10 minutes.
#[server]
pub async fn remove_passkey(id: i32, password: Option<String>) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let client = crate::backend::audit::Client::of_request();
    super::passkeys::remove(&state, &me, id, password, &client).await
}

/// "Forget": the remembered device asks for the second factor again.
#[server]
pub async fn forget_remembered_device(id: i32) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::forget_remembered_device(&state, &me, id).await
}

/// "Forget all": every remembered device asks for the second factor again; returns how many.
#[server]
pub async fn forget_all_remembered_devices() -> Result<u64, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::forget_all_remembered_devices(&state, &me).await
}

#[server]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
    sign_out_others: bool,
) -> Result<PasswordChanged, AppError> {
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let me = request::signed_in()?;
    let change = super::server::PasswordChange {
        current_password,
        new_password,
        confirm_password,
        sign_out_others,
    };
    let (token, other_sessions_ended) = super::server::change_password(
        &state,
        &me,
        change,
        &crate::backend::audit::Client::of_request(),
    )
    .await?;
    // The current session continues under a fresh token.
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::set_cookie_value(&state.config, &token),
    )?;
    Ok(PasswordChanged { other_sessions_ended })
}

#[server]
pub async fn begin_two_factor(password: String) -> Result<TwoFactorSetup, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::begin_two_factor(&state, &me, password).await
}

#[server]
pub async fn confirm_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::confirm_two_factor(
        &state,
        &me,
        &code,
        &crate::backend::audit::Client::of_request(),
    )
    .await
}

#[server]
pub async fn regenerate_backup_codes(
    password: String,
    code: String,
) -> Result<Vec<String>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::regenerate_backup_codes(
        &state,
        &me,
        password,
        &code,
        &crate::backend::audit::Client::of_request(),
    )
    .await
}

#[server]
pub async fn disable_two_factor(password: String, code: String) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::disable_two_factor(
        &state,
        &me,
        password,
        &code,
        &crate::backend::audit::Client::of_request(),
    )
    .await
}

/// Ends every other session of the account, right after a 2FA change; returns how many.
#[server]
pub async fn sign_out_other_devices() -> Result<u64, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    super::server::sign_out_other_devices(&state, &me).await
}

/// "Secure my account": ends every session (this one too), cancels what is pending, turns
/// push off, and requires a new password by emailed link before the next sign-in. Then
/// on to "Forgot password?", to ask for that link.
#[server]
pub async fn secure_my_account() -> Result<(), AppError> {
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let me = request::signed_in()?;
    super::lockdown::secure_account(
        &state,
        me.user_id,
        &crate::backend::audit::Client::of_request(),
        None,
    )
    .await?;
    request::set_response_header(
        http::header::SET_COOKIE,
        &session_store::clear_cookie_value(&state.config),
    )?;
    leptos_axum::redirect("/forgot-password?secured=1");
    Ok(())
}

/// Whether a "This wasn't me" link still works, before the click.
#[server]
pub async fn check_wasnt_me_link(token: String) -> Result<(), AppError> {
    use crate::backend::{credentials, request};
    let state = request::state()?;
    credentials::wasnt_me_link_works(&state.db, &token).await
}

/// "This wasn't me", confirmed: secures the account the link was sent to, without signing
/// in (whoever changed the password may hold it). The link works once.
#[server]
pub async fn secure_account_by_link(token: String) -> Result<(), AppError> {
    use crate::backend::{credentials, request};
    let state = request::state()?;
    let link = credentials::use_wasnt_me_link(&state.db, &token).await?;
    super::lockdown::secure_account(
        &state,
        link.user_id,
        &crate::backend::audit::Client::of_request(),
        link.restore_email.as_deref(),
    )
    .await?;
    Ok(())
}
