//! The `sessions` table: one row per signed-in device, the token only as a hash.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// The id the UI uses to name a session; never the token.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Hex SHA-256 of the cookie token: a stolen database does not yield live cookies.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i32,
    pub company_id: Option<i32>,
    pub user_agent: String,
    pub client_address: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// The absolute end of the session, whatever its activity.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// When the password was last entered in this session (sign-in or a re-check).
    /// Sensitive actions need it to be recent.
    pub password_confirmed_at: chrono::DateTime<chrono::Utc>,
    /// Failed sign-in attempts since the account's previous sign-in, said once at the top
    /// of the app until dismissed; `None` when there were none.
    pub sign_in_notice: Option<String>,
    /// The idle timeout of the company the session works in, if it sets one (see
    /// `company_policy::session_lifetime`).
    pub idle_timeout_minutes: Option<i32>,
    /// The maximum session length of that company, if it sets one.
    pub max_session_hours: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Read with the session in one query (`session_store::resolve`).
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
