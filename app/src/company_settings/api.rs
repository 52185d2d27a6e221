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
