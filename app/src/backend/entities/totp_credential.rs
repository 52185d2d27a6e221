//! The `totp_credentials` table: each user's authenticator-app secret.

use sea_orm::entity::prelude::*;

/// A user's authenticator-app secret. Unconfirmed (`confirmed_at` empty) while 2FA is being
/// set up, when it is not a second factor and expires; 2FA is on once it is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "totp_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// The 160-bit secret, base32 as authenticator apps show it.
    pub secret: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last 30-second step whose code was accepted: a code is never accepted twice.
    pub last_used_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
