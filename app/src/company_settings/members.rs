//! The company's members, for its Admins: who they are, their role, how they sign in
//! (2FA by app, passkeys), when they last signed in and how many sessions they have open;
//! changing a role, never leaving the company without an Admin; "Sign out everywhere" for
//! a member whose device was lost; "Reset 2FA" for one locked out of their second factor;
//! "Remove from company"; and "Sign out all members" for a suspected breach. Each is
//! written to the company's audit log.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::api::{CompanyMembers, MemberView};
use crate::backend::AppState;
use crate::backend::audit::{self, Client, CompanyAction, SecurityEventKind};
use crate::backend::company_policy;
use crate::backend::credentials::{remove_authenticator_app, send_security_notice};
use crate::backend::display::format_in_timezone;
use crate::backend::entities::{company, membership, passkey, security_event, session};
use crate::backend::live::LiveEvent;
use crate::backend::passkeys;
use crate::backend::reauth::check_password_for;
use crate::backend::scope::{CompanyScope, company_name, find_membership_in, not_an_admin};
use crate::backend::session_store::{delete_all_sessions, delete_sessions_except};
use crate::backend::users::load_user;
use crate::error::AppError;

pub const LAST_ADMIN: &str =
    "A company needs at least one Admin: make someone else an Admin first.";

pub async fn list(state: &AppState, scope: &CompanyScope) -> Result<CompanyMembers, AppError> {
    scope.require_admin()?;
    let me = load_user(&state.db, scope.user_id).await?;
    let members = scope.members(&state.db).await?;
    let ids: Vec<i32> = members.iter().map(|(u, _)| u.id).collect();
    let with_app = company_policy::with_authenticator_app(&state.db, ids.clone()).await?;
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
        i_have_two_factor: with_app.contains(&scope.user_id),
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

/// The start of a change to who administers the company, inside `txn`: the company's row
/// locked (so changes to its Admins happen one at a time), the member concerned, and the
/// membership of the Admin asking, who must still be one now, not only when the request
/// began.
async fn locked_for_admin_change(
    txn: &sea_orm::DatabaseTransaction,
    scope: &CompanyScope,
    user_id: i32,
) -> Result<(membership::Model, membership::Model), AppError> {
    company::Entity::find_by_id(scope.company_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let member =
        find_membership_in(txn, user_id, scope.company_id).await?.ok_or(AppError::NotFound)?;
    let asking = find_membership_in(txn, scope.user_id, scope.company_id)
        .await?
        .filter(|m| m.role == membership::ROLE_ADMIN)
        .ok_or_else(not_an_admin)?;
    Ok((member, asking))
}

/// Refuses to take away an Admin when they are the last one (under the company's lock).
async fn keep_an_admin(
    txn: &sea_orm::DatabaseTransaction,
    company_id: i32,
) -> Result<(), AppError> {
    let admins = membership::Entity::find()
        .filter(membership::Column::CompanyId.eq(company_id))
        .filter(membership::Column::Role.eq(membership::ROLE_ADMIN))
        .count(txn)
        .await?;
    if admins <= 1 {
        return Err(AppError::Rejected(LAST_ADMIN.into()));
    }
    Ok(())
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
    let (member, asking) = locked_for_admin_change(&txn, scope, user_id).await?;
    let role = if admin { membership::ROLE_ADMIN } else { membership::ROLE_USER };
    if member.role == role {
        return Ok(());
    }
    if !admin {
        keep_an_admin(&txn, scope.company_id).await?;
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role))
        .filter(membership::Column::Id.eq(member.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Open pages of the member pick up what they may now do.
    state.live.publish(LiveEvent::CompaniesChanged { user_id });
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: Some(user_id),
        kind: SecurityEventKind::RoleChanged,
        detail: if admin { "Made an Admin" } else { "Made a Member" }.to_owned(),
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
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
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: Some(user_id),
        kind: SecurityEventKind::SignedOutByAdmin,
        detail: sessions_ended(ended.len()),
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
    Ok(ended.len() as u64)
}

fn sessions_ended(count: usize) -> String {
    match count {
        1 => "1 session ended".to_owned(),
        n => format!("{n} sessions ended"),
    }
}

/// "Remove from company": the membership ends. Sessions of theirs working in this company
/// move to another company of theirs, or end when there is none. The last Admin cannot be
/// removed (counted under the company row's lock, as for roles).
pub async fn remove(state: &AppState, scope: &CompanyScope, user_id: i32) -> Result<(), AppError> {
    scope.require_admin()?;
    if user_id == scope.user_id {
        return Err(AppError::Rejected(
            "You cannot remove yourself: another Admin of the company can.".into(),
        ));
    }
    let txn = state.db.begin().await?;
    let (member, asking) = locked_for_admin_change(&txn, scope, user_id).await?;
    if member.role == membership::ROLE_ADMIN {
        keep_an_admin(&txn, scope.company_id).await?;
    }
    membership::Entity::delete_by_id(member.id).exec(&txn).await?;
    let elsewhere: Option<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::CompanyId)
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::Id)
        .into_tuple()
        .one(&txn)
        .await?;
    let ended: Vec<i32> = match elsewhere {
        Some(company_id) => {
            let (idle, max) = company_policy::limits_of(&txn, Some(company_id)).await?;
            session::Entity::update_many()
                .col_expr(session::Column::CompanyId, Expr::value(Some(company_id)))
                .col_expr(session::Column::IdleTimeoutMinutes, Expr::value(idle))
                .col_expr(session::Column::MaxSessionHours, Expr::value(max))
                .filter(session::Column::UserId.eq(user_id))
                .filter(session::Column::CompanyId.eq(scope.company_id))
                .exec(&txn)
                .await?;
            Vec::new()
        }
        // Sessions working elsewhere would have moved on their own at their next request;
        // with no other company, all of the person's sessions are here.
        None => delete_all_sessions(&txn, user_id).await?,
    };
    txn.commit().await?;
    state.live.publish(LiveEvent::CompaniesChanged { user_id });
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended));
    }
    tracing::info!(company_id = scope.company_id, by = asking.user_id, user_id, "member removed");
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: Some(user_id),
        kind: SecurityEventKind::MemberRemoved,
        detail: String::new(),
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
    Ok(())
}

pub const RESET_NEEDS_YOUR_2FA: &str =
    "Turn on two-factor authentication for your own account before resetting someone else's.";

/// "Reset 2FA" for a member locked out of their second factor: their authenticator app,
/// backup codes, passkeys and remembered devices are removed, and every session of theirs
/// ends (whoever holds the lost device is out too). Only an Admin who has 2FA on may do
/// it, never on themselves (the Security tab is theirs). The member is emailed.
pub async fn reset_two_factor(
    state: &AppState,
    scope: &CompanyScope,
    user_id: i32,
) -> Result<(), AppError> {
    scope.require_admin()?;
    if user_id == scope.user_id {
        return Err(AppError::Rejected(
            "Change your own two-factor authentication on the Security tab.".into(),
        ));
    }
    let member = scope.member(&state.db, user_id).await?;
    if !company_policy::has_authenticator_app(&state.db, scope.user_id).await? {
        return Err(AppError::Rejected(RESET_NEEDS_YOUR_2FA.into()));
    }
    let txn = state.db.begin().await?;
    remove_authenticator_app(&txn, user_id).await?;
    passkeys::remove_all(&txn, user_id).await?;
    let ended = delete_all_sessions(&txn, user_id).await?;
    txn.commit().await?;
    state.live.publish(LiveEvent::AccountChanged { user_id });
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended));
    }
    tracing::info!(
        company_id = scope.company_id,
        by = scope.user_id,
        user_id,
        "2FA reset by an Admin"
    );
    let client = Client::of_request();
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: Some(user_id),
        kind: SecurityEventKind::TwoFactorResetByAdmin,
        detail: String::new(),
    };
    audit::record_in_company(&state.db, action, &client).await;
    let admin = load_user(&state.db, scope.user_id).await?;
    let company = company_name(&state.db, scope.company_id).await?;
    send_security_notice(
        state,
        &member,
        &client,
        "Your two-factor authentication was reset",
        &format!(
            "{} (an Admin of {company}) reset the two-factor authentication of your Kayse account: your authenticator app, backup codes and passkeys were removed and every session was signed out. Sign in with your password, then set up two-factor authentication again on the Security tab",
            admin.full_name
        ),
    )
    .await;
    Ok(())
}

/// What the Admin must type to confirm "Sign out all members".
pub fn sign_out_all_confirmation(company: &str) -> String {
    company.trim().to_owned()
}

/// "Sign out all members", for a suspected breach: every session of every member ends but
/// the Admin's own current one. The Admin's password is checked (always, not only when
/// not entered lately) and the company's name must be typed. Returns how many ended.
pub async fn sign_out_all(
    state: &AppState,
    scope: &CompanyScope,
    password: String,
    typed_name: &str,
) -> Result<u64, AppError> {
    scope.require_admin()?;
    let company = company_name(&state.db, scope.company_id).await?;
    if !typed_name.trim().eq_ignore_ascii_case(&sign_out_all_confirmation(&company)) {
        return Err(AppError::field(
            "confirmation",
            format!("Type the company's name, {company}, to confirm."),
        ));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let admin = load_user(&state.db, scope.user_id).await?;
    check_password_for(state, &admin, password, "password").await?;
    let members: Vec<i32> = membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::CompanyId.eq(scope.company_id))
        .into_tuple()
        .all(&state.db)
        .await?;
    let ended = delete_sessions_except(&state.db, members.clone(), Some(scope.session_id)).await?;
    if !ended.is_empty() {
        state.live.publish(LiveEvent::SessionsEnded(ended.clone()));
    }
    for user_id in members {
        state.live.publish(LiveEvent::AccountChanged { user_id });
    }
    tracing::warn!(
        company_id = scope.company_id,
        by = scope.user_id,
        sessions_ended = ended.len(),
        "all members signed out by an Admin"
    );
    let action = CompanyAction {
        company_id: scope.company_id,
        actor_id: scope.user_id,
        subject_id: None,
        kind: SecurityEventKind::AllMembersSignedOut,
        detail: sessions_ended(ended.len()),
    };
    audit::record_in_company(&state.db, action, &Client::of_request()).await;
    Ok(ended.len() as u64)
}
