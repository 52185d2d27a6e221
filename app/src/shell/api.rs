//! What the frame of every signed-in page reads and does: the account summary for the top
//! bar and avatar menu, "Switch Company" (the choice belongs to the session; the last one
//! used is restored at the next sign-in) and each company's unread count.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the app shell shows of the signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub full_name: String,
    pub email: String,
    pub initials: String,
    pub avatar_colour: String,
    pub avatar_url: Option<String>,
    pub company_name: Option<String>,
    /// Every company the user belongs to, the current one marked.
    pub companies: Vec<CompanyChoice>,
    /// An Admin of the current company (sees Company settings).
    pub is_admin: bool,
    /// Failed sign-in attempts since the previous sign-in, said once after signing in
    /// until dismissed (`dismiss_sign_in_notice`).
    pub sign_in_notice: Option<String>,
    /// The current company requires 2FA and this person has none.
    pub two_factor_notice: Option<TwoFactorNotice>,
    /// How long this session may sit unused (its company's idle timeout, or the server's).
    pub idle_timeout_seconds: i64,
}

/// "Harper & Lowe LLP requires two-factor authentication": in `days_left` days (the grace
/// period), or now (`days_left` is `None`: the company's data stays closed until set up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorNotice {
    pub company: String,
    pub days_left: Option<i64>,
}

/// A company in the "Switch Company" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub id: i32,
    pub name: String,
    pub current: bool,
}

#[server]
pub async fn current_account() -> Result<AccountSummary, AppError> {
    use crate::backend::request;
    use crate::backend::users::avatar_url;
    use crate::ui::avatar::{avatar_colour, initials};

    let state = request::state()?;
    let session = request::signed_in()?;
    let user = &session.user;
    let (companies, scope) =
        super::server::company_choices(&state.db, &state.reads, &session).await?;
    let company_name = companies.iter().find(|c| c.current).map(|c| c.name.clone());
    let company = scope.as_ref().map(|(_, company)| company);
    let (two_factor_notice, idle_timeout_seconds) =
        super::server::company_rules(&state, &session, company).await?;
    Ok(AccountSummary {
        two_factor_notice,
        idle_timeout_seconds,
        initials: initials(&user.full_name),
        avatar_colour: avatar_colour(user.id).to_owned(),
        avatar_url: user.avatar_hash.as_deref().map(avatar_url),
        full_name: user.full_name.clone(),
        email: user.email.clone(),
        company_name,
        companies,
        is_admin: scope.is_some_and(|(s, _)| s.is_admin()),
        sign_in_notice: session.sign_in_notice.clone(),
    })
}

/// "Stay signed in", and the page's report that the person is active: the session's "last
/// seen" becomes now, so its idle timeout starts again.
#[server]
pub async fn keep_session_alive() -> Result<(), AppError> {
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let me = request::signed_in()?;
    let token = request::cookie(session_store::cookie_name(&state.config));
    session_store::keep_alive(&state, &me, token.as_deref()).await
}

/// "Dismiss" on the note about failed sign-in attempts: this session does not show it again.
#[server]
pub async fn dismiss_sign_in_notice() -> Result<(), AppError> {
    use crate::backend::live::LiveEvent;
    use crate::backend::{request, session_store};
    let state = request::state()?;
    let me = request::signed_in()?;
    session_store::dismiss_sign_in_notice(&state.db, me.session_id).await?;
    // The cached session still holds the note.
    state.live.publish(LiveEvent::AccountChanged { user_id: me.user_id });
    Ok(())
}

/// Moves this session to another of the user's companies. A company the user does not
/// belong to is not found.
#[server]
pub async fn switch_company(company_id: i32) -> Result<(), AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    crate::backend::scope::switch_company(&state, &me, company_id).await
}

/// Unread in-app notifications per company (by company id), for Switch Company. Per
/// person: counts of the user's own notifications only.
#[server]
pub async fn company_unread_counts() -> Result<Vec<(i32, usize)>, AppError> {
    use crate::backend::request;
    let state = request::state()?;
    let me = request::signed_in()?;
    let counts = crate::notifications::inbox::unread_by_company(&state.db, me.user_id).await?;
    Ok(counts.into_iter().collect())
}
