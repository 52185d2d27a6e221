//! The `passkeys` table: a person's WebAuthn credentials.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkeys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// What the person called it ("MacBook Touch ID").
    pub name: String,
    /// The credential id, base64url: how an assertion names its passkey.
    #[sea_orm(unique)]
    pub credential_id: String,
    /// The WebAuthn user handle this credential was made for (a random UUID per person,
    /// shared by their passkeys): a discoverable sign-in must present the same.
    pub user_handle: String,
    /// webauthn-rs's `Passkey` as JSON: the public key, the signature counter, flags.
    #[sea_orm(column_type = "Text")]
    pub credential: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
