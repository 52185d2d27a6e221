//! API tokens: 256 random bits after a `kayse_` prefix; only the SHA-256 is stored.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::api::{ApiTokenView, CompanyTokens, CreatedApiToken};
use crate::backend::AppState;
use crate::backend::api_tokens;
use crate::backend::audit::{self, Client, CompanyAction, SecurityEventKind};
use crate::backend::display::format_in_timezone;
use crate::backend::entities::api_token;
use crate::backend::scope::{self, CompanyScope};
use crate::backend::users::{self, load_user};
use crate::error::AppError;

fn view(token: &api_token::Model, names: &HashMap<i32, String>, timezone: &str) -> ApiTokenView {
    ApiTokenView {
        id: token.id,
        name: token.name.clone(),
        prefix: format!("{}…", token.token_prefix),
        created: format_in_timezone(token.created_at, timezone),
        created_by: names
            .get(&token.created_by)
            .cloned()
            .unwrap_or_else(|| "a former member".to_owned()),
        last_used: token.last_used_at.map(|at| format_in_timezone(at, timezone)),
    }
}

pub async fn list(state: &AppState, scope: &CompanyScope) -> Result<CompanyTokens, AppError> {
    let company_name = scope::company_name(&state.db, scope.company_id).await?;
    if !scope.is_admin() {
        return Ok(CompanyTokens { company_name, is_admin: false, tokens: Vec::new() });
    }
    let me = load_user(&state.db, scope.user_id).await?;
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::CompanyId.eq(scope.company_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::Id)
        .all(&state.db)
        .await?;
    let creators: Vec<i32> = tokens.iter().map(|t| t.created_by).collect();
    let names = users::names_by_id(&state.db, creators).await?;
    Ok(CompanyTokens {
        company_name,
        is_admin: true,
        tokens: tokens.iter().map(|t| view(t, &names, &me.timezone)).collect(),
    })
}

pub async fn create(
    state: &AppState,
    scope: &CompanyScope,
    name: &str,
) -> Result<CreatedApiToken, AppError> {
    scope.require_admin()?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field("name", "Name the token after the system that will use it."));
    }
    if name.chars().count() > 80 {
        return Err(AppError::field("name", "Use at most 80 characters."));
    }
    let me = load_user(&state.db, scope.user_id).await?;
    let minted = api_tokens::mint();
    let stored = api_token::ActiveModel {
        company_id: Set(scope.company_id),
        name: Set(name.to_owned()),
        token_prefix: Set(minted.shown_prefix),
        token_hash: Set(minted.hash),
        created_by: Set(me.id),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    tracing::info!(
        company_id = scope.company_id,
        token_id = stored.id,
        by = me.id,
        "API token created"
    );
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: me.id,
        subject_id: None,
        kind: SecurityEventKind::ApiTokenCreated,
        detail: name.to_owned(),
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
    let names = HashMap::from([(me.id, me.full_name.clone())]);
    Ok(CreatedApiToken { token: minted.token, view: view(&stored, &names, &me.timezone) })
}

/// Revokes a token of this company; another company's token is not found.
pub async fn revoke(state: &AppState, scope: &CompanyScope, id: i32) -> Result<(), AppError> {
    scope.require_admin()?;
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::CompanyId.eq(scope.company_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let revoked = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::CompanyId.eq(scope.company_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(
        company_id = scope.company_id,
        token_id = id,
        by = scope.user_id,
        "API token revoked"
    );
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: None,
        kind: SecurityEventKind::ApiTokenRevoked,
        detail: token.name,
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
    Ok(())
}
