//! The company settings page's server functions: the API tokens the company's
//! communication systems use to report messages and calls. Company-scoped, Admins only.

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
