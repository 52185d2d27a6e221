//! Company API tokens: 256 random bits after a `kayse_` prefix, only the SHA-256 stored.
//! Company settings mints and revokes them; the integrations API authenticates with them.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::api_token;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

/// Every API token starts with this, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "kayse_";
/// How much of a token its list shows, to tell tokens apart.
pub const PREFIX_SHOWN: usize = 12;

/// A new token: what is shown once, the part kept to tell it apart, and its hash.
pub struct MintedToken {
    pub token: String,
    pub shown_prefix: String,
    pub hash: String,
}

pub fn mint() -> MintedToken {
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    MintedToken {
        shown_prefix: token.chars().take(PREFIX_SHOWN).collect(),
        hash: hash_token(&token),
        token,
    }
}

/// The live token behind a bearer value, with its use recorded; `None` for a missing,
/// malformed, unknown or revoked one.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    bearer: Option<&str>,
) -> Result<Option<api_token::Model>, AppError> {
    let Some(token) = bearer
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() == TOKEN_PREFIX.len() + 64)
    else {
        return Ok(None);
    };
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_token(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(found.id))
        .exec(db)
        .await?;
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_prefixed_and_only_their_hash_is_kept() {
        let minted = mint();
        assert!(minted.token.starts_with(TOKEN_PREFIX));
        assert_eq!(minted.token.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(minted.shown_prefix.len(), PREFIX_SHOWN);
        assert_eq!(minted.hash, hash_token(&minted.token));
        assert_ne!(minted.hash, minted.token);
    }
}
