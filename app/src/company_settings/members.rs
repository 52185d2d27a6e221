//! The company's members, for its Admins: who they are, their role, how they sign in
//! (2FA by app, passkeys), when they last signed in and how many sessions they have open;
//! changing a role, never leaving the company without an Admin; and "Sign out everywhere"
//! for a member whose device was lost.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::api::{CompanyMembers, MemberView};
use crate::backend::AppState;
use crate::backend::audit::SecurityEventKind;
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{
    company, membership, passkey, security_event, session, totp_credential,
};
use crate::backend::live::LiveEvent;
use crate::backend::scope::{CompanyScope, find_membership_in, not_an_admin};
use crate::backend::session_store::delete_all_sessions;
use crate::backend::users::load_user;
use crate::error::AppError;

pub const LAST_ADMIN: &str =
    "A company needs at least one Admin: make someone else an Admin first.";

pub async fn list(state: &AppState, scope: &CompanyScope) -> Result<CompanyMembers, AppError> {
    scope.require_admin()?;
    let me = load_user(&state.db, scope.user_id).await?;
    let members = scope.members(&state.db).await?;
    let ids: Vec<i32> = members.iter().map(|(u, _)| u.id).collect();
    let with_app: Vec<i32> = totp_credential::Entity::find()
        .select_only()
        .column(totp_credential::Column::UserId)
        .filter(totp_credential::Column::UserId.is_in(ids.clone()))
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let with_passkey: Vec<i32> = passkey::Entity::find()
        .select_only()
        .column(passkey::Column::UserId)
        .filter(passkey::Column::UserId.is_in(ids.clone()))
        .distinct()
        .into_tuple()
        .all(&state.db)
        .await?;
    let last_sign_in: HashMap<i32, chrono::DateTime<Utc>> = security_event::Entity::find()
        .select_only()
        .column(security_event::Column::UserId)
        .column_as(security_event::Column::CreatedAt.max(), "last")
        .filter(security_event::Column::UserId.is_in(ids.clone()))
        .filter(security_event::Column::Kind.eq(SecurityEventKind::SignedIn.name()))
        .group_by(security_event::Column::UserId)
        .into_tuple::<(i32, chrono::DateTime<Utc>)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let sessions: HashMap<i32, i64> = session::Entity::find()
        .select_only()
        .column(session::Column::UserId)
        .column_as(session::Column::Id.count(), "open")
        .filter(session::Column::UserId.is_in(ids))
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::LastSeenAt.gt(now - state.config.session_idle))
        .group_by(session::Column::UserId)
        .into_tuple::<(i32, i64)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    Ok(CompanyMembers {
        members: members
            .into_iter()
            .map(|(person, role)| MemberView {
                user_id: person.id,
                is_admin: role == membership::ROLE_ADMIN,
                is_me: person.id == scope.user_id,
                two_factor:
                    match (with_app.contains(&person.id), with_passkey.contains(&person.id)) {
                        (true, true) => "App and passkey",
                        (true, false) => "App",
                        (false, true) => "Passkey only",
                        (false, false) => "Off",
                    }
                    .to_owned(),
                last_sign_in: last_sign_in
                    .get(&person.id)
                    .map(|at| format_in_timezone(*at, &me.timezone)),
                open_sessions: sessions.get(&person.id).copied().unwrap_or(0).max(0) as u64,
                name: person.full_name,
                email: person.email,
            })
            .collect(),
    })
}

/// Makes a member an Admin or not. The company row is locked while Admins are counted, so
/// two Admins demoting each other at once cannot leave the company with none.
pub async fn set_role(
    state: &AppState,
    scope: &CompanyScope,
    user_id: i32,
    admin: bool,
) -> Result<(), AppError> {
    scope.require_admin()?;
    let txn = state.db.begin().await?;
    company::Entity::find_by_id(scope.company_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let member =
        find_membership_in(&txn, user_id, scope.company_id).await?.ok_or(AppError::NotFound)?;
    // The one asking must still be an Admin now, not only when the request began.
    let asking = find_membership_in(&txn, scope.user_id, scope.company_id)
        .await?
        .filter(|m| m.role == membership::ROLE_ADMIN)
        .ok_or_else(not_an_admin)?;
    let role = if admin { membership::ROLE_ADMIN } else { membership::ROLE_USER };
    if member.role == role {
        return Ok(());
    }
    if !admin {
        let admins = membership::Entity::find()
            .filter(membership::Column::CompanyId.eq(scope.company_id))
            .filter(membership::Column::Role.eq(membership::ROLE_ADMIN))
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(AppError::Rejected(LAST_ADMIN.into()));
        }
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role))
        .filter(membership::Column::Id.eq(member.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Open pages of the member pick up what they may now do.
    state.live.publish(LiveEvent::AccountChanged { user_id });
    tracing::info!(
        company_id = scope.company_id,
        by = asking.user_id,
        user_id,
        role,
        "member role changed"
    );
    Ok(())
}

/// "Sign out everywhere": every session of the member ends (open pages go to sign-in at
/// once). A person's sessions are theirs, not one company's: a session working elsewhere
/// could switch here, so all of them end.
pub async fn sign_out_everywhere(
    state: &AppState,
    scope: &CompanyScope,
    user_id: i32,
) -> Result<u64, AppError> {
    scope.require_admin()?;
    scope.member(&state.db, user_id).await?;
    let txn = state.db.begin().await?;
    let ended = delete_all_sessions(&txn, user_id).await?;
    txn.commit().await?;
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended.clone()));
    }
    tracing::info!(
        company_id = scope.company_id,
        by = scope.user_id,
        user_id,
        sessions_ended = ended.len(),
        "member signed out everywhere by an Admin"
    );
    Ok(ended.len() as u64)
}
