//! The one way into a company's data. Every company-scoped server function starts with
//! `CompanyScope::current()`, which takes the company from the session (never from the
//! client) and checks the membership on every request. Queries then go through the scope's
//! helpers, which filter by company; an id of another company is "not found", exactly like
//! an id that does not exist.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};

use super::entities::{case, company, membership, session, task, user};
use super::session_store::SignedIn;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyScope {
    pub company_id: i32,
    pub user_id: i32,
    pub session_id: i32,
    /// `admin` or `user`.
    pub role: String,
}

impl CompanyScope {
    /// The company this session works in, with the membership checked now. When the user
    /// was removed from it, the session moves to another company they belong to.
    ///
    /// A company that requires 2FA is refused (`AppError::TwoFactorRequired`) to a member
    /// without it once its grace period is over: every company-scoped function starts
    /// here, so none of its data reaches them.
    pub async fn current(db: &DatabaseConnection, me: &SignedIn) -> Result<CompanyScope, AppError> {
        // The usual case: the membership and its company (for the gate) in one query.
        if let Some(company_id) = me.company_id
            && let Some((m, company)) = with_companies(me.user_id)
                .filter(membership::Column::CompanyId.eq(company_id))
                .one(db)
                .await?
                .and_then(|(m, company)| company.map(|c| (m, c)))
        {
            super::company_policy::two_factor_gate(db, &company, me.user_id).await?;
            return Ok(Self::from_membership(me, m));
        }
        let oldest = membership::Entity::find()
            .filter(membership::Column::UserId.eq(me.user_id))
            .order_by_asc(membership::Column::Id)
            .one(db)
            .await?;
        let scope = Self::fall_back(db, me, oldest).await?;
        let company = company::Entity::find_by_id(scope.company_id)
            .one(db)
            .await?
            .ok_or(AppError::NoCompany)?;
        super::company_policy::two_factor_gate(db, &company, me.user_id).await?;
        Ok(scope)
    }

    /// The same decision from the user's memberships already read (oldest first, as
    /// `memberships_with_companies` gives them), for the app shell, which needs the whole
    /// list anyway: no query unless the session has to move. Not gated: the shell shows
    /// no company data, and says what a company requires.
    pub async fn current_among(
        db: &DatabaseConnection,
        me: &SignedIn,
        memberships: &[membership::Model],
    ) -> Result<CompanyScope, AppError> {
        if let Some(m) = memberships.iter().find(|m| Some(m.company_id) == me.company_id) {
            return Ok(Self::from_membership(me, m.clone()));
        }
        Self::fall_back(db, me, memberships.first().cloned()).await
    }

    /// The session's company is not (or no longer) one of the user's: it moves to the
    /// oldest membership, or to none.
    async fn fall_back(
        db: &DatabaseConnection,
        me: &SignedIn,
        oldest: Option<membership::Model>,
    ) -> Result<CompanyScope, AppError> {
        let moved_to = oldest.as_ref().map(|m| m.company_id);
        if moved_to != me.company_id {
            move_session(db, me.session_id, moved_to).await?;
        }
        oldest.map(|m| Self::from_membership(me, m)).ok_or(AppError::NoCompany)
    }

    fn from_membership(me: &SignedIn, m: membership::Model) -> Self {
        CompanyScope {
            company_id: m.company_id,
            user_id: me.user_id,
            session_id: me.session_id,
            role: m.role,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == membership::ROLE_ADMIN
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() { Ok(()) } else { Err(not_an_admin()) }
    }

    /// This company's cases.
    pub fn cases(&self) -> Select<case::Entity> {
        case::Entity::find().filter(case::Column::CompanyId.eq(self.company_id))
    }

    /// The case types this company's cases have, in order (for filters and forms).
    pub async fn case_types(
        &self,
        db: &impl sea_orm::ConnectionTrait,
    ) -> Result<Vec<String>, AppError> {
        case_types_of(db, vec![self.company_id]).await
    }

    /// This company's tasks.
    pub fn tasks(&self) -> Select<task::Entity> {
        task::Entity::find().filter(task::Column::CompanyId.eq(self.company_id))
    }

    /// One case of this company, or not found.
    pub async fn case(
        &self,
        db: &DatabaseConnection,
        case_id: i32,
    ) -> Result<case::Model, AppError> {
        self.cases().filter(case::Column::Id.eq(case_id)).one(db).await?.ok_or(AppError::NotFound)
    }

    /// A member of this company (as a user), or not found.
    pub async fn member(
        &self,
        db: &DatabaseConnection,
        user_id: i32,
    ) -> Result<user::Model, AppError> {
        find_membership(db, user_id, self.company_id).await?.ok_or(AppError::NotFound)?;
        user::Entity::find_by_id(user_id).one(db).await?.ok_or(AppError::NotFound)
    }

    /// Every member of this company, by name.
    pub async fn members(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Vec<(user::Model, String)>, AppError> {
        let memberships = membership::Entity::find()
            .filter(membership::Column::CompanyId.eq(self.company_id))
            .all(db)
            .await?;
        let ids: Vec<i32> = memberships.iter().map(|m| m.user_id).collect();
        let mut users = user::Entity::find().filter(user::Column::Id.is_in(ids)).all(db).await?;
        users.sort_by_cached_key(|u| u.full_name.to_lowercase());
        Ok(users
            .into_iter()
            .map(|u| {
                let role = memberships
                    .iter()
                    .find(|m| m.user_id == u.id)
                    .map(|m| m.role.clone())
                    .unwrap_or_default();
                (u, role)
            })
            .collect())
    }
}

/// What anyone but an Admin is told by an Admin-only function.
/// The case types the cases of these companies have, in order.
pub async fn case_types_of(
    db: &impl sea_orm::ConnectionTrait,
    company_ids: Vec<i32>,
) -> Result<Vec<String>, AppError> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::CaseType)
        .distinct()
        .filter(case::Column::CompanyId.is_in(company_ids))
        .order_by_asc(case::Column::CaseType)
        .into_tuple()
        .all(db)
        .await?)
}

pub fn not_an_admin() -> AppError {
    AppError::Rejected("Only an Admin of this company can do that.".into())
}

pub async fn find_membership(
    db: &DatabaseConnection,
    user_id: i32,
    company_id: i32,
) -> Result<Option<membership::Model>, AppError> {
    find_membership_in(db, user_id, company_id).await
}

/// The same, inside a transaction.
pub async fn find_membership_in(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    company_id: i32,
) -> Result<Option<membership::Model>, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::CompanyId.eq(company_id))
        .one(db)
        .await?)
}

/// Points a session at another company (or none), and remembers it for the next sign-in.
pub async fn move_session(
    db: &DatabaseConnection,
    session_id: i32,
    company_id: Option<i32>,
) -> Result<(), AppError> {
    let Some(row) = session::Entity::find_by_id(session_id).one(db).await? else {
        return Err(AppError::Unauthorized);
    };
    let user_id = row.user_id;
    // The session now obeys its new company's limits.
    let (idle, max) = super::company_policy::limits_of(db, company_id).await?;
    let mut active = row.into_active_model();
    active.company_id = Set(company_id);
    active.idle_timeout_minutes = Set(idle);
    active.max_session_hours = Set(max);
    active.update(db).await?;
    if company_id.is_some() {
        user::Entity::update_many()
            .col_expr(user::Column::LastCompanyId, sea_orm::sea_query::Expr::value(company_id))
            .filter(user::Column::Id.eq(user_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Moves this session to another of the user's companies. A company the user does not
/// belong to is "not found", like one that does not exist.
pub async fn switch_company(
    state: &super::state::AppState,
    me: &SignedIn,
    company_id: i32,
) -> Result<(), AppError> {
    let db = &state.db;
    find_membership(db, me.user_id, company_id).await?.ok_or(AppError::NotFound)?;
    move_session(db, me.session_id, Some(company_id)).await?;
    state.live.publish(super::live::LiveEvent::AccountChanged { user_id: me.user_id });
    tracing::info!(user_id = me.user_id, company_id, "switched company");
    Ok(())
}

/// The user's memberships, oldest first, each with its company (name and policy), in one
/// query.
pub async fn memberships_with_companies(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(membership::Model, company::Model)>, AppError> {
    Ok(with_companies(user_id)
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(m, company)| company.map(|c| (m, c)))
        .collect())
}

/// The user's memberships joined to their companies.
fn with_companies(user_id: i32) -> sea_orm::SelectTwo<membership::Entity, company::Entity> {
    let to_company = membership::Entity::belongs_to(company::Entity)
        .from(membership::Column::CompanyId)
        .to(company::Column::Id)
        .into();
    membership::Entity::find()
        .join(sea_orm::JoinType::InnerJoin, to_company)
        .select_also(company::Entity)
        .filter(membership::Column::UserId.eq(user_id))
}

/// Company names by id, for lists that show the company of each row.
pub async fn company_names(
    db: &impl sea_orm::ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, AppError> {
    let ids: Vec<i32> = ids.into_iter().collect();
    Ok(company::Entity::find()
        .filter(company::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// One company's name ("" if it was deleted meanwhile).
pub async fn company_name(db: &impl sea_orm::ConnectionTrait, id: i32) -> Result<String, AppError> {
    Ok(company::Entity::find_by_id(id).one(db).await?.map(|c| c.name).unwrap_or_default())
}
