//! The `passkey_ceremonies` table: a WebAuthn ceremony between its two requests.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkey_ceremonies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Hex SHA-256 of the token the browser sends back with the credential.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// "register", "second_step" or "sign_in".
    pub purpose: String,
    /// Whose it is (none for "Sign in with a passkey", where the passkey says).
    pub user_id: Option<i32>,
    /// webauthn-rs's ceremony state as JSON (the challenge among it).
    #[sea_orm(column_type = "Text")]
    pub state: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
