//! The sign-in, sign-out and current-account server functions.

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
    pub companies: Vec<crate::companies::api::CompanyChoice>,
    /// An Admin of the current company (sees Company settings).
    pub is_admin: bool,
}

#[server]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::backend::{request, sessions};
    use crate::security::server::{Client, pending_cookie_value};
    let state = request::state()?;
    let next = super::server::safe_next(next.as_deref());
    let (_, outcome) = super::server::sign_in(&state, &email, password, &Client::of_request(), &next).await?;
    match outcome {
        super::server::SignInOutcome::Session(token) => {
            request::set_response_header(http::header::SET_COOKIE, &sessions::set_cookie_value(&state.config, &token))?;
            leptos_axum::redirect(&next);
        }
        super::server::SignInOutcome::SecondFactorNeeded(pending) => {
            request::set_response_header(http::header::SET_COOKIE, &pending_cookie_value(&state.config, &pending))?;
            leptos_axum::redirect("/sign-in/verify");
        }
    }
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::{request, sessions};
    let state = request::state()?;
    // Signing out twice, or with an already-ended session, still lands on the sign-in page.
    if let Ok(current) = request::signed_in() {
        sessions::end(&state.db, current.session_id).await?;
        // Other open tabs of this session go to the sign-in page too.
        state.live.publish(crate::backend::live::LiveEvent::SessionsEnded(vec![current.session_id]));
    }
    request::set_response_header(http::header::SET_COOKIE, &sessions::clear_cookie_value(&state.config))?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[server]
pub async fn current_account() -> Result<AccountSummary, AppError> {
    use crate::backend::request;
    use crate::profile::{rules, server::{avatar_url, load_user}};

    let state = request::state()?;
    let session = request::signed_in()?;
    let user = load_user(&state.db, session.user_id).await?;
    let (companies, scope) = crate::companies::server::choices(&state.db, &session).await?;
    let company_name = companies.iter().find(|c| c.current).map(|c| c.name.clone());
    Ok(AccountSummary {
        initials: rules::initials(&user.full_name),
        avatar_colour: rules::avatar_colour(user.id).to_owned(),
        avatar_url: user.avatar_hash.as_deref().map(avatar_url),
        full_name: user.full_name,
        email: user.email,
        company_name,
        companies,
        is_admin: scope.is_some_and(|s| s.is_admin()),
    })
}
