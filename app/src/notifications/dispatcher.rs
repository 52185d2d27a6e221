//! The one dispatcher: for each event, who gets it and through which methods, from their
//! preferences. In-app stores the notification (and is published live after the commit);
//! email and push are recorded as pending deliveries in the same transaction, for the
//! delivery worker to send. Callers pass their transaction, so an event is recorded with
//! all its notifications or not at all.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::events::{Delivery, Event, Method};
use crate::backend::entities::{notification, notification_delivery};
use crate::backend::live::{LiveEvent, LiveHub};
use crate::backend::scope::find_membership_in;
use crate::error::AppError;

/// Something that happened on a case of a company, for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub company_id: i32,
    pub event: Event,
    pub case_id: i32,
    pub task_id: Option<i32>,
    pub recipient_id: i32,
    /// Who caused it, if a person did: nobody is notified of their own action.
    pub actor_id: Option<i32>,
    pub title: String,
    pub body: String,
}

/// What the dispatcher recorded, to publish once the transaction has committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatched {
    pub notification_id: i32,
    pub user_id: i32,
    pub in_app: bool,
    pub pending: Vec<Method>,
}

/// Which methods a preference asks for: whether to show it in the app, and which
/// deliveries to queue.
pub fn plan(delivery: Delivery) -> (bool, Vec<Method>) {
    let queued = [Method::Email, Method::Push].into_iter().filter(|m| delivery.get(*m)).collect();
    (delivery.in_app, queued)
}

pub fn method_key(method: Method) -> &'static str {
    match method {
        Method::InApp => "in_app",
        Method::Email => "email",
        Method::Push => "push",
    }
}

/// Records one occurrence for its recipient. `None` when nothing is to be sent: the
/// recipient caused it, is not a member of the company, or wants none of it.
pub async fn dispatch(
    db: &impl ConnectionTrait,
    occurrence: &Occurrence,
) -> Result<Option<Dispatched>, AppError> {
    if occurrence.actor_id == Some(occurrence.recipient_id) {
        return Ok(None);
    }
    // Recipients are members of the company the event belongs to, and no one else.
    if find_membership_in(db, occurrence.recipient_id, occurrence.company_id).await?.is_none() {
        tracing::warn!(
            user_id = occurrence.recipient_id,
            company_id = occurrence.company_id,
            "event for a non-member dropped"
        );
        return Ok(None);
    }
    let delivery = super::server::deliveries(db, occurrence.recipient_id)
        .await?
        .into_iter()
        .find(|(event, _)| *event == occurrence.event)
        .map_or_else(|| occurrence.event.defaults(), |(_, d)| d);
    let (in_app, pending) = plan(delivery);
    if !in_app && pending.is_empty() {
        return Ok(None);
    }
    let now = Utc::now();
    let stored = notification::ActiveModel {
        company_id: Set(occurrence.company_id),
        user_id: Set(occurrence.recipient_id),
        event: Set(occurrence.event.key().to_owned()),
        case_id: Set(occurrence.case_id),
        task_id: Set(occurrence.task_id),
        title: Set(occurrence.title.clone()),
        body: Set(occurrence.body.clone()),
        in_app: Set(in_app),
        read_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if !pending.is_empty() {
        notification_delivery::Entity::insert_many(pending.iter().map(|method| {
            notification_delivery::ActiveModel {
                notification_id: Set(stored.id),
                method: Set(method_key(*method).to_owned()),
                status: Set(notification_delivery::STATUS_PENDING.to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_error: Set(None),
                sent_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(Some(Dispatched {
        notification_id: stored.id,
        user_id: occurrence.recipient_id,
        in_app,
        pending,
    }))
}

/// After the commit: open pages of the recipients refresh their bell.
pub fn publish(live: &LiveHub, dispatched: &[Dispatched]) {
    let mut users: Vec<i32> = dispatched.iter().filter(|d| d.in_app).map(|d| d.user_id).collect();
    users.sort_unstable();
    users.dedup();
    for user_id in users {
        live.publish(LiveEvent::NotificationsChanged { user_id });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_follows_each_switch() {
        for bits in 0..8u8 {
            let delivery =
                Delivery { in_app: bits & 1 != 0, email: bits & 2 != 0, push: bits & 4 != 0 };
            let (in_app, queued) = plan(delivery);
            assert_eq!(in_app, delivery.in_app);
            assert_eq!(queued.contains(&Method::Email), delivery.email);
            assert_eq!(queued.contains(&Method::Push), delivery.push);
            assert!(!queued.contains(&Method::InApp));
        }
    }
}
