//! The second-factor check, security's one public entry point for signing in: a code from
//! the authenticator app (each time step accepted once, even against a simultaneous request)
//! or a backup code (each used once), under the per-account and per-address limits.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::server::notify;
use super::{backup_codes, totp};
use crate::backend::audit::{Client, SecurityEventKind, record};
use crate::backend::device_cookies;
use crate::backend::entities::{backup_code, totp_credential, user};
use crate::backend::guesses::{account_keys, answer_wrong_guess};
use crate::backend::{AppState, passwords};
use crate::error::AppError;

const CODE_WRONG: &str =
    "That code is not correct. Enter the newest code from your app, or a backup code.";
const CODE_REUSED: &str = "That code was already used. Wait for the next code in your app.";

pub(super) async fn confirmed_credential(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<totp_credential::Model>, AppError> {
    Ok(totp_credential::Entity::find_by_id(user_id)
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .one(db)
        .await?)
}

/// Whether the account asks for a second factor at sign-in.
pub async fn has_two_factor(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, AppError> {
    Ok(confirmed_credential(db, user_id).await?.is_some())
}

async fn unused_backup_codes(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<backup_code::Model>, AppError> {
    Ok(backup_code::Entity::find()
        .filter(backup_code::Column::UserId.eq(user_id))
        .filter(backup_code::Column::UsedAt.is_null())
        .order_by_asc(backup_code::Column::Id)
        .all(db)
        .await?)
}

/// Accepts a step for the user only if it is later than the last accepted one, in one
/// conditional update: of two requests with the same code, exactly one changes the row.
pub async fn accept_totp_step(
    db: &impl ConnectionTrait,
    user_id: i32,
    step: u64,
) -> Result<bool, AppError> {
    let step = step as i64;
    let updated = totp_credential::Entity::update_many()
        .col_expr(totp_credential::Column::LastUsedStep, sea_orm::sea_query::Expr::value(step))
        .filter(totp_credential::Column::UserId.eq(user_id))
        .filter(totp_credential::Column::ConfirmedAt.is_not_null())
        .filter(
            sea_orm::Condition::any()
                .add(totp_credential::Column::LastUsedStep.is_null())
                .add(totp_credential::Column::LastUsedStep.lt(step)),
        )
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    App,
    BackupCode { left: usize },
}

/// Why a second factor was refused.
enum Refusal {
    Wrong,
    Reused,
}

/// Checks a code from the app or a backup code, under the per-account and per-address
/// limits. A backup code is used up by the check, and the account is told by email. A
/// wrong or reused code is a security event of the account.
pub async fn verify_second_factor(
    state: &AppState,
    user: &user::Model,
    input: &str,
    client: &Client,
) -> Result<SecondFactor, AppError> {
    let known_device = device_cookies::listed_for(state, user.id, client.device.as_deref()).await?;
    let keys = account_keys(&user.email, client, known_device.as_deref());
    let attempt = state.second_factor_throttle.reserve(&state.db, &keys).await?;
    match check(state, user, input).await? {
        Ok(factor) => {
            attempt.succeeded().await;
            if let SecondFactor::BackupCode { left } = factor {
                record(&state.db, user.id, SecurityEventKind::BackupCodeUsed, client).await;
                let what = format!(
                    "A backup code was used to sign in to your Kayse account ({left} left)"
                );
                let subject = "A backup code was used for your Kayse account";
                notify(state, user, client, subject, what).await;
            }
            Ok(factor)
        }
        Err(refusal) => {
            let (kind, message) = match refusal {
                Refusal::Wrong => (SecurityEventKind::SecondFactorFailed, CODE_WRONG),
                Refusal::Reused => (SecurityEventKind::SecondFactorReused, CODE_REUSED),
            };
            record(&state.db, user.id, kind, client).await;
            let failure = attempt.failed().await;
            let wrong = AppError::field("code", message);
            Err(answer_wrong_guess(state, Some(user), client, failure, wrong).await)
        }
    }
}

/// The stored codes a typed one can be: those with its lookup part, and older codes
/// stored without one. Usually one, so a check costs one argon2 run, not ten.
fn codes_to_check<'a>(
    unused: &'a [backup_code::Model],
    typed: &str,
) -> Vec<&'a backup_code::Model> {
    let lookup = backup_codes::lookup_of(typed);
    unused.iter().filter(|c| c.lookup.as_ref().is_none_or(|l| *l == lookup)).collect()
}

/// The check itself: an app code (each time step once) or an unused backup code.
async fn check(
    state: &AppState,
    user: &user::Model,
    input: &str,
) -> Result<Result<SecondFactor, Refusal>, AppError> {
    if totp::clean_code(input).is_some() {
        let Some(credential) = confirmed_credential(&state.db, user.id).await? else {
            return Ok(Err(Refusal::Wrong));
        };
        let Some(step) = totp::matching_step(&credential.secret, input, totp::now_unix())? else {
            return Ok(Err(Refusal::Wrong));
        };
        if !accept_totp_step(&state.db, user.id, step).await? {
            return Ok(Err(Refusal::Reused));
        }
        return Ok(Ok(SecondFactor::App));
    }

    let Some(typed) = backup_codes::normalise(input) else {
        return Ok(Err(Refusal::Wrong));
    };
    let unused = unused_backup_codes(&state.db, user.id).await?;
    let candidates = codes_to_check(&unused, &typed);
    if candidates.is_empty() {
        // The same argon2 run as a real check, so the answer's timing says nothing.
        passwords::verify_password(typed, None).await?;
        return Ok(Err(Refusal::Wrong));
    }
    for candidate in candidates {
        if passwords::verify_password(typed.clone(), Some(candidate.code_hash.clone())).await? {
            // Single use, even against a simultaneous request with the same code.
            let used = backup_code::Entity::update_many()
                .col_expr(backup_code::Column::UsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
                .filter(backup_code::Column::Id.eq(candidate.id))
                .filter(backup_code::Column::UsedAt.is_null())
                .exec(&state.db)
                .await?;
            if used.rows_affected != 1 {
                // Taken by a simultaneous request with the same code.
                return Ok(Err(Refusal::Wrong));
            }
            return Ok(Ok(SecondFactor::BackupCode { left: unused.len() - 1 }));
        }
    }
    Ok(Err(Refusal::Wrong))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: i32, lookup: Option<&str>) -> backup_code::Model {
        backup_code::Model {
            id,
            user_id: 1,
            code_hash: String::new(),
            lookup: lookup.map(str::to_owned),
            created_at: Utc::now(),
            used_at: None,
        }
    }

    #[test]
    fn a_typed_code_is_checked_against_the_one_code_it_can_be() {
        let unused: Vec<_> = ["k7", "9x", "ab", "cd", "ef", "gh", "jk", "mn", "pq", "rs"]
            .iter()
            .enumerate()
            .map(|(i, l)| stored(i as i32, Some(l)))
            .collect();
        let ids =
            |typed: &str| codes_to_check(&unused, typed).iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids("9xm4wk7qd2"), [1]);
        assert!(ids("zzzzzzzzzz").is_empty());
        let mut with_old = unused.clone();
        with_old.push(stored(99, None));
        assert_eq!(codes_to_check(&with_old, "9xm4wk7qd2").len(), 2, "old codes are still checked");
    }
}
