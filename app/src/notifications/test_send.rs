//! "Send a test notification": a sample of a chosen event, through the real path (the
//! notification row, the outbox, the delivery worker, the push services), by one method,
//! so a person can check their setup. It ignores the matrix and the filters (the person
//! asked for it), and skips quiet hours and the digest (they are waiting for it).

use std::time::Duration;

use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::api::TestSent;
use super::dispatcher::{self, Handling, Occurrence};
use super::events::{Delivery, Event, Method};
use crate::backend::AppState;
use crate::backend::entities::{case, push_subscription, user};
use crate::backend::scope::{CompanyScope, company_name};
use crate::backend::throttle::{Key, Kind, RateLimit};
use crate::error::AppError;

/// One test per person and method this often, counted for every instance.
pub const TEST_INTERVAL: Duration = Duration::from_secs(30);
pub const TEST_NOTIFICATIONS: RateLimit = RateLimit::new("test-notification", 1, TEST_INTERVAL);

/// The case a sample is shown on: the person's newest, else the company's newest.
async fn sample_case(state: &AppState, scope: &CompanyScope) -> Result<case::Model, AppError> {
    let theirs = scope
        .cases()
        .filter(case::Column::AssigneeId.eq(scope.user_id))
        .order_by_desc(case::Column::CreatedAt)
        .one(&state.db)
        .await?;
    if let Some(found) = theirs {
        return Ok(found);
    }
    scope.cases().order_by_desc(case::Column::CreatedAt).one(&state.db).await?.ok_or_else(|| {
        AppError::Rejected(
            "A test notification is shown on a case, and this company has none yet.".into(),
        )
    })
}

pub async fn send(
    state: &AppState,
    scope: &CompanyScope,
    event: Event,
    method: Method,
) -> Result<TestSent, AppError> {
    let person = user::Entity::find_by_id(scope.user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let devices = push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(person.id))
        .count(&state.db)
        .await?;
    if method == Method::Push && devices == 0 {
        return Err(AppError::Rejected(
            "Push is not on for any of your devices yet: choose \u{201c}Enable push on this device\u{201d} first.".into(),
        ));
    }
    let key = Key::named(Kind::Account, &format!("test notification {} {method:?}", person.id));
    TEST_NOTIFICATIONS.take(&state.db, key).await?;
    let case = sample_case(state, scope).await?;
    let occurrence = Occurrence::for_person(
        scope.company_id,
        event,
        &case,
        person.id,
        None,
        format!("Test: {} on {} · {}", event.label(), case.number, case.name),
        "This is a test notification you sent from your notification settings. Nothing happened on the case.".to_owned(),
    );
    let mut delivery = Delivery { in_app: false, email: false, push: false };
    delivery.set(method, true);
    let handling = Handling { skip_digest: true, skip_quiet_hours: true };
    let txn = state.db.begin().await?;
    let recorded = dispatcher::record(&txn, &occurrence, person.id, delivery, handling).await?;
    txn.commit().await?;
    dispatcher::publish(&state.live, recorded.as_slice());
    let company = company_name(&state.db, scope.company_id).await?;
    tracing::info!(user_id = person.id, ?event, ?method, "test notification sent");
    Ok(TestSent {
        message: match method {
            Method::InApp => format!("Sent: it is in the bell, in {company}."),
            Method::Email => format!("Sent to {}: it should arrive within a minute.", person.email),
            Method::Push => format!(
                "Sent to your {devices} device{}: it should arrive within a minute.",
                if devices == 1 { "" } else { "s" }
            ),
        },
    })
}
