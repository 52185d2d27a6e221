//! The one dispatcher: for each event, who gets it and through which methods, from their
//! preferences. In-app stores the notification (and is published live after the commit);
//! email and push are recorded as pending deliveries in the same transaction, for the
//! delivery worker to send. Callers pass their transaction, so an event is recorded with
//! all its notifications or not at all.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::events::{Delivery, Event, Method};
use super::filters::{CaseFacts, Involvement, lets_through};
use crate::backend::entities::{case, membership, notification, notification_delivery};
use crate::backend::live::{LiveEvent, LiveHub};
use crate::case_priority::Priority;
use crate::error::AppError;

/// The case an event happened on, as the filters see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRef {
    pub id: i32,
    pub case_type: String,
    pub priority: Priority,
    pub assignee_id: Option<i32>,
}

impl From<&case::Model> for CaseRef {
    fn from(case: &case::Model) -> Self {
        CaseRef {
            id: case.id,
            case_type: case.case_type.clone(),
            priority: Priority::from_stored(&case.priority),
            assignee_id: case.assignee_id,
        }
    }
}

/// Who may hear of an event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Audience {
    /// One person it is addressed to: the new assignee of a case, a task's assignee.
    Person(i32),
    /// Every member of the case's company (everyone in a firm sees its cases), each as
    /// their filters decide.
    #[default]
    Firm,
}

/// Something that happened on a case of a company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub company_id: i32,
    pub event: Event,
    pub case: CaseRef,
    pub task_id: Option<i32>,
    pub audience: Audience,
    /// People the event mentions (a client message, as the integration marks it).
    pub mentioned: Vec<i32>,
    /// Who else counts as assigned for this event: the previous assignee of a case that
    /// was just reassigned.
    pub also_assigned: Option<i32>,
    /// Who does not get this one (the new assignee of a case hears "Case assigned", not
    /// also "Case updated").
    pub except: Option<i32>,
    /// Who caused it, if a person did: nobody is notified of their own action.
    pub actor_id: Option<i32>,
    pub title: String,
    pub body: String,
    /// The alert it belongs to, in a company that wants it acknowledged.
    pub alert_id: Option<i32>,
}

impl Occurrence {
    /// An event for every member of the firm, with no mentions, caused by `actor_id`.
    pub fn for_firm(
        company_id: i32,
        event: Event,
        case: &case::Model,
        actor_id: Option<i32>,
        title: String,
        body: String,
    ) -> Occurrence {
        Occurrence {
            company_id,
            event,
            case: CaseRef::from(case),
            task_id: None,
            audience: Audience::Firm,
            mentioned: Vec::new(),
            also_assigned: None,
            except: None,
            actor_id,
            title,
            body,
            alert_id: None,
        }
    }

    /// An event addressed to one person.
    pub fn for_person(
        company_id: i32,
        event: Event,
        case: &case::Model,
        recipient_id: i32,
        actor_id: Option<i32>,
        title: String,
        body: String,
    ) -> Occurrence {
        Occurrence {
            audience: Audience::Person(recipient_id),
            ..Occurrence::for_firm(company_id, event, case, actor_id, title, body)
        }
    }

    fn involvement(&self, user_id: i32) -> Involvement {
        Involvement {
            addressed: self.audience == Audience::Person(user_id),
            assigned_case: self.case.assignee_id == Some(user_id)
                || self.also_assigned == Some(user_id),
            mentioned: self.mentioned.contains(&user_id),
        }
    }
}

/// How a notification's email and push deliveries are handled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Handling {
    /// Sent on its own even when the person takes a digest.
    pub skip_digest: bool,
    /// Sent during the person's quiet hours too.
    pub skip_quiet_hours: bool,
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

/// The members of the company who could hear of it: the person it is addressed to (if a
/// member) or every member; never who caused it.
async fn candidates(
    db: &impl ConnectionTrait,
    occurrence: &Occurrence,
) -> Result<Vec<i32>, AppError> {
    let mut query =
        membership::Entity::find().filter(membership::Column::CompanyId.eq(occurrence.company_id));
    if let Audience::Person(user_id) = occurrence.audience {
        query = query.filter(membership::Column::UserId.eq(user_id));
    }
    let mut members: Vec<i32> = query.all(db).await?.into_iter().map(|m| m.user_id).collect();
    if let Audience::Person(user_id) = occurrence.audience
        && members.is_empty()
    {
        // Recipients are members of the company the event belongs to, and no one else.
        tracing::warn!(
            user_id,
            company_id = occurrence.company_id,
            "event for a non-member dropped"
        );
    }
    members.retain(|id| Some(*id) != occurrence.actor_id && Some(*id) != occurrence.except);
    members.sort_unstable();
    Ok(members)
}

/// Records one occurrence for everyone it reaches, as their settings in its company (the
/// company's own copy, else their defaults) and their filters decide: the one place that
/// decides who gets what.
pub async fn dispatch(
    db: &impl ConnectionTrait,
    occurrence: &Occurrence,
) -> Result<Vec<Dispatched>, AppError> {
    // An event the company wants acknowledged opens an alert that escalates until someone
    // sees it, even when no one's settings let the first notification through.
    let opened;
    let occurrence = if occurrence.alert_id.is_none()
        && occurrence.audience == Audience::Firm
        && let Some(alert_id) = super::escalation::open_alert(db, occurrence).await?
    {
        opened = Occurrence { alert_id: Some(alert_id), ..occurrence.clone() };
        &opened
    } else {
        occurrence
    };
    let members = candidates(db, occurrence).await?;
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let stored = super::server::stored_rows(db, &members, occurrence.company_id).await?;
    let case =
        CaseFacts { case_type: &occurrence.case.case_type, priority: occurrence.case.priority };
    let mut done = Vec::new();
    for user_id in members {
        let (delivery, filters) = stored
            .get(&user_id)
            .map(|rows| rows.resolve(occurrence.company_id, occurrence.event))
            .unwrap_or_else(|| (occurrence.event.defaults(), Default::default()));
        if !lets_through(&filters, occurrence.event, case, occurrence.involvement(user_id)) {
            continue;
        }
        if let Some(recorded) =
            record(db, occurrence, user_id, delivery, Handling::default()).await?
        {
            done.push(recorded);
        }
    }
    Ok(done)
}

/// Stores the notification for one person and queues its deliveries; `None` when the
/// person wants it through no method.
pub async fn record(
    db: &impl ConnectionTrait,
    occurrence: &Occurrence,
    user_id: i32,
    delivery: Delivery,
    handling: Handling,
) -> Result<Option<Dispatched>, AppError> {
    let (in_app, pending) = plan(delivery);
    if !in_app && pending.is_empty() {
        return Ok(None);
    }
    let now = Utc::now();
    let stored = notification::ActiveModel {
        company_id: Set(occurrence.company_id),
        user_id: Set(user_id),
        event: Set(occurrence.event.key().to_owned()),
        case_id: Set(occurrence.case.id),
        task_id: Set(occurrence.task_id),
        title: Set(occurrence.title.clone()),
        body: Set(occurrence.body.clone()),
        in_app: Set(in_app),
        alert_id: Set(occurrence.alert_id),
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
                skip_digest: Set(handling.skip_digest),
                skip_quiet_hours: Set(handling.skip_quiet_hours),
                ..Default::default()
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(Some(Dispatched { notification_id: stored.id, user_id, in_app, pending }))
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
