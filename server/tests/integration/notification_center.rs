//! Where notifications come from and where they go: the dispatcher over every event,
//! method and switch; case assignment; the task-due scheduler; the integrations API with
//! sentiment; the bell, its counts and the live channel.

use std::time::Duration;

use app::backend::entities::{case, company, notification, notification_delivery, task, user};
use app::backend::live::LiveHub;
use app::cases::api::AssignCase;
use app::notifications::api::SettingsScope;
use app::notifications::api::{
    GetNotificationCenter, MarkAllNotificationsRead, MarkNotificationRead, MarkNotificationUnread,
    NotificationCenter, UnreadNotificationCount,
};
use app::notifications::dispatcher::{self, Audience, Occurrence};
use app::notifications::events::{Delivery, Event, Method};
use app::notifications::{inbox, scheduler, server as preferences};
use app::shell::api::CompanyUnreadCounts;
use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};

use crate::harness::{TestApp, spawn};
use crate::integrations_api::{api_token, post_report};

pub(crate) const DEMO: i32 = 1;

pub(crate) async fn company_id(app: &TestApp, name: &str) -> i32 {
    company::Entity::find()
        .filter(company::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub(crate) async fn case_by_number(app: &TestApp, number: &str) -> case::Model {
    case::Entity::find()
        .filter(case::Column::Number.eq(number))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn user_named(app: &TestApp, name: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::FullName.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn notifications_of(app: &TestApp, user_id: i32) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

pub(crate) async fn deliveries_of(app: &TestApp, notification_id: i32) -> Vec<String> {
    let mut methods: Vec<String> = notification_delivery::Entity::find()
        .filter(notification_delivery::Column::NotificationId.eq(notification_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.method)
        .collect();
    methods.sort();
    methods
}

async fn set_only(app: &TestApp, user_id: i32, event: Event, only: Option<Method>) {
    for method in Method::ALL {
        preferences::set(
            &app.state.db,
            user_id,
            SettingsScope::Defaults,
            event,
            method,
            Some(method) == only,
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_dispatcher_follows_every_event_method_and_switch() {
    let app = spawn().await;
    let harper = company_id(&app, "Harper & Lowe LLP").await;
    let case = case_by_number(&app, "HL-2026-014").await;
    let occurrence = |event: Event| {
        Occurrence::for_person(
            harper,
            event,
            &case,
            DEMO,
            None,
            format!("{} happened", event.label()),
            "details".into(),
        )
    };
    for event in Event::ALL {
        for only in [None, Some(Method::InApp), Some(Method::Email), Some(Method::Push)] {
            set_only(&app, DEMO, event, only).await;
            let before = notifications_of(&app, DEMO).await.len();
            let txn = app.state.db.begin().await.unwrap();
            let done = dispatcher::dispatch(&txn, &occurrence(event)).await.unwrap();
            txn.commit().await.unwrap();
            let stored = notifications_of(&app, DEMO).await;
            match only {
                None => {
                    assert!(done.is_empty(), "{event:?} with every switch off");
                    assert_eq!(
                        stored.len(),
                        before,
                        "{event:?}: nothing stored when nothing is wanted"
                    );
                }
                Some(method) => {
                    let done = done
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| panic!("{event:?} by {method:?}"));
                    let row = stored.iter().find(|n| n.id == done.notification_id).unwrap();
                    assert_eq!(row.event, event.key());
                    assert_eq!(
                        row.in_app,
                        method == Method::InApp,
                        "{event:?} by {method:?}: shown in the bell?"
                    );
                    let expected: Vec<String> = match method {
                        Method::InApp => vec![],
                        Method::Email => vec!["email".into()],
                        Method::Push => vec!["push".into()],
                    };
                    assert_eq!(
                        deliveries_of(&app, row.id).await,
                        expected,
                        "{event:?} by {method:?}: pending deliveries"
                    );
                }
            }
        }
    }
    // Everything on: one notification, shown, with both deliveries pending.
    for method in Method::ALL {
        preferences::set(
            &app.state.db,
            DEMO,
            SettingsScope::Defaults,
            Event::NewMessage,
            method,
            true,
        )
        .await
        .unwrap();
    }
    let done = dispatcher::dispatch(&app.state.db, &occurrence(Event::NewMessage))
        .await
        .unwrap()
        .remove(0);
    assert!(done.in_app);
    assert_eq!(
        deliveries_of(&app, done.notification_id).await,
        vec!["email".to_owned(), "push".to_owned()]
    );

    // Recipients are the company's members only, and never the person who acted.
    let dana = user_named(&app, "Dana Reyes").await;
    let outsider =
        Occurrence { audience: Audience::Person(dana.id), ..occurrence(Event::CaseAssigned) };
    assert!(dispatcher::dispatch(&app.state.db, &outsider).await.unwrap().is_empty());
    assert!(notifications_of(&app, dana.id).await.is_empty());
    let own_action = Occurrence { actor_id: Some(DEMO), ..occurrence(Event::CaseAssigned) };
    assert!(dispatcher::dispatch(&app.state.db, &own_action).await.unwrap().is_empty());
}

#[tokio::test]
async fn assigning_a_case_notifies_the_new_assignee_but_not_oneself() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let chen = case_by_number(&app, "HL-2026-030").await;
    let priya = user_named(&app, "Priya Shah").await;
    let assign = |assignee: i32| {
        let (app, token) = (&app, token.clone());
        async move {
            app.call::<AssignCase>(
                &[("case_id", &chen.id.to_string()), ("assignee_id", &assignee.to_string())],
                Some(&token),
            )
            .await
        }
    };
    assert!(assign(priya.id).await.status.is_success());
    let hers = notifications_of(&app, priya.id).await;
    assert_eq!(hers.len(), 1);
    assert_eq!(hers[0].event, "case_assigned");
    assert_eq!(hers[0].case_id, chen.id);
    assert!(
        hers[0].title.contains("HL-2026-030") && hers[0].body.contains("Alex Morgan"),
        "{hers:?}"
    );
    assert_eq!(
        deliveries_of(&app, hers[0].id).await,
        vec!["email".to_owned()],
        "email is on by default for Case assigned"
    );

    // Assigning the same person again changes nothing and notifies nobody.
    assert!(assign(priya.id).await.status.is_success());
    assert_eq!(notifications_of(&app, priya.id).await.len(), 1);
    // Assigning it to oneself: no notification for oneself.
    assert!(assign(DEMO).await.status.is_success());
    assert!(notifications_of(&app, DEMO).await.iter().all(|n| n.event != "case_assigned"));
}

/// How many deadlines one pass at `at` announces to the demo person (the seed's other
/// people have tasks of their own, announced in their own time).
async fn demo_notices(state: &app::backend::AppState, at: chrono::DateTime<chrono::Utc>) -> usize {
    scheduler::run_pass(state, at).await.unwrap().into_iter().filter(|d| d.user_id == DEMO).count()
}

#[tokio::test]
async fn task_deadlines_are_announced_once_even_across_a_restart_and_again_when_moved() {
    let app = spawn().await;
    let now = chrono::Utc::now();
    // The seed: one of the demo person's tasks is 20 hours overdue, the others are days away.
    let first = scheduler::run_pass(&app.state, now).await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    let notice = notification::Entity::find_by_id(first[0].notification_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(notice.event, "task_due");
    assert!(
        notice.body.contains("Prepare Ms. Garcia for her deposition")
            && notice.body.contains("was due"),
        "{}",
        notice.body
    );
    assert_eq!(demo_notices(&app.state, now).await, 0, "a second pass repeats nothing");

    // A restarted server keeps nothing in memory: a fresh state on the same database.
    let restarted = app.state.with(|shared| shared.live = LiveHub::default());
    assert_eq!(demo_notices(&restarted, now + chrono::Duration::minutes(1)).await, 0);

    // "File response to motion to dismiss" is due in 48 hours; the lead time is a day.
    let response = task::Entity::find()
        .filter(task::Column::Title.eq("File response to motion to dismiss"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let due = response.due_at;
    assert_eq!(demo_notices(&app.state, due - chrono::Duration::hours(25)).await, 0, "not yet");
    assert_eq!(demo_notices(&app.state, due - chrono::Duration::hours(23)).await, 1);
    assert_eq!(demo_notices(&app.state, due - chrono::Duration::hours(22)).await, 0, "once");

    // The deadline moves: announced again when the new one comes within the lead time.
    let mut moved = response.into_active_model();
    let new_due = due + chrono::Duration::days(1);
    moved.due_at = Set(new_due);
    moved.update(&app.state.db).await.unwrap();
    assert_eq!(demo_notices(&app.state, due - chrono::Duration::hours(21)).await, 0);
    assert_eq!(demo_notices(&app.state, new_due - chrono::Duration::hours(2)).await, 1);

    // The lead time is the person's: at 15 minutes, a task due in an hour waits.
    preferences::set_lead(&app.state.db, DEMO, 15).await.unwrap();
    let later = task::Entity::find()
        .filter(task::Column::Title.eq("Request the police report"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(demo_notices(&app.state, later.due_at - chrono::Duration::hours(1)).await, 0);
    assert_eq!(demo_notices(&app.state, later.due_at - chrono::Duration::minutes(10)).await, 1);
}

#[tokio::test]
async fn the_bell_counts_lists_marks_read_and_is_told_live() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let stream = app.get_streaming("/live", &session).await;
    let reader = tokio::spawn(read_until(stream, "event: notifications"));
    tokio::time::sleep(Duration::from_millis(100)).await;

    let reply = post_report(
        &app,
        "/integrations/v1/messages",
        Some(&token),
        "application/json",
        r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Is Thursday still on?"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let received = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the live event arrives")
        .unwrap();
    assert!(received.contains("event: notifications"), "{received}");

    let center: NotificationCenter =
        app.call::<GetNotificationCenter>(&[], Some(&session)).await.json();
    assert_eq!(center.unread, 1);
    let item = &center.items[0];
    assert_eq!(item.event, "New message");
    assert!(item.case_label.starts_with("HL-2026-014"));
    assert_eq!(item.when, "just now");

    // A notification in the other company shows in Switch Company's counts, not in this bell.
    let reyes = company_id(&app, "Reyes Legal Group").await;
    let okafor = case_by_number(&app, "RLG-114").await;
    let other = Occurrence::for_person(
        reyes,
        Event::NewMessage,
        &okafor,
        DEMO,
        None,
        "New message on RLG-114".into(),
        "Hello".into(),
    );
    assert_eq!(dispatcher::dispatch(&app.state.db, &other).await.unwrap().len(), 1);
    let counts: Vec<(i32, usize)> =
        app.call::<CompanyUnreadCounts>(&[], Some(&session)).await.json();
    assert!(counts.contains(&(reyes, 1)), "{counts:?}");
    let center: NotificationCenter =
        app.call::<GetNotificationCenter>(&[], Some(&session)).await.json();
    assert_eq!(center.unread, 1, "the bell shows the current company only");
    let count: usize = app.call::<UnreadNotificationCount>(&[], Some(&session)).await.json();
    assert_eq!(count, 1, "the bell's count is the current company's only");

    let case_id: i32 = app
        .call::<MarkNotificationRead>(&[("id", &item.id.to_string())], Some(&session))
        .await
        .json();
    assert_eq!(case_id, item.case_id);
    let center: NotificationCenter =
        app.call::<GetNotificationCenter>(&[], Some(&session)).await.json();
    assert_eq!(center.unread, 0);
    assert!(center.items[0].read);
    let count: usize = app.call::<UnreadNotificationCount>(&[], Some(&session)).await.json();
    assert_eq!(count, 0);

    // Mark all as read: in the current company only.
    dispatcher::dispatch(
        &app.state.db,
        &Occurrence {
            company_id: company_id(&app, "Harper & Lowe LLP").await,
            case: dispatcher::CaseRef::from(&case_by_number(&app, "HL-2026-014").await),
            ..other.clone()
        },
    )
    .await
    .unwrap();
    let marked: u64 = app.call::<MarkAllNotificationsRead>(&[], Some(&session)).await.json();
    assert_eq!(marked, 1);
    let counts: Vec<(i32, usize)> =
        app.call::<CompanyUnreadCounts>(&[], Some(&session)).await.json();
    assert_eq!(counts, vec![(reyes, 1)]);

    // Preferences off for in-app: nothing in the bell, though the email is still queued.
    for (method, on) in [(Method::InApp, false), (Method::Email, true)] {
        preferences::set(
            &app.state.db,
            DEMO,
            SettingsScope::Defaults,
            Event::NewMessage,
            method,
            on,
        )
        .await
        .unwrap();
    }
    post_report(
        &app,
        "/integrations/v1/messages",
        Some(&token),
        "application/json",
        r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "One more thing."}"#,
    )
    .await;
    let center: NotificationCenter =
        app.call::<GetNotificationCenter>(&[], Some(&session)).await.json();
    assert_eq!(center.unread, 0);
    assert_eq!(
        preferences::deliveries(&app.state.db, DEMO, 0)
            .await
            .unwrap()
            .into_iter()
            .find(|(e, _)| *e == Event::NewMessage)
            .unwrap()
            .1,
        Delivery { in_app: false, email: true, push: false }
    );
}

pub(crate) async fn read_until(mut body: Body, wanted: &str) -> String {
    let mut seen = String::new();
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen.push_str(&String::from_utf8_lossy(data));
            if seen.contains(wanted) {
                break;
            }
        }
    }
    seen
}

/// `count` in-app notifications of `event` on `case` for the demo person, oldest first.
async fn many(app: &TestApp, case: &case::Model, event: Event, count: usize) -> Vec<i32> {
    let mut ids = Vec::new();
    for n in 0..count {
        let occurrence = Occurrence::for_person(
            case.company_id,
            event,
            case,
            DEMO,
            None,
            format!("{} {n}", event.label()),
            "details".into(),
        );
        let delivery =
            app::notifications::events::Delivery { in_app: true, email: false, push: false };
        let done =
            dispatcher::record(&app.state.db, &occurrence, DEMO, delivery, Default::default())
                .await
                .unwrap()
                .unwrap();
        ids.push(done.notification_id);
    }
    ids
}

async fn page(app: &TestApp, token: &str, form: &[(&str, &str)]) -> NotificationCenter {
    let reply = app.call::<GetNotificationCenter>(form, Some(token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn the_bell_filters_by_event_and_case_type_and_shows_more_thirty_at_a_time() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let smith = case_by_number(&app, "HL-2026-014").await; // Personal injury
    let garcia = case_by_number(&app, "HL-2025-188").await; // Employment
    let messages = many(&app, &smith, Event::NewMessage, 40).await;
    let deadlines = many(&app, &garcia, Event::TaskDue, 35).await;

    // Everything, newest first, 30 at a time, each once.
    let mut seen = Vec::new();
    let mut before: Option<i32> = None;
    loop {
        let cursor = before.map(|b| b.to_string());
        let form: Vec<(&str, &str)> = cursor.iter().map(|c| ("before", c.as_str())).collect();
        let got = page(&app, &token, &form).await;
        assert!(got.items.len() <= 30);
        seen.extend(got.items.iter().map(|n| n.id));
        if !got.more {
            break;
        }
        before = got.items.last().map(|n| n.id);
    }
    let mut all: Vec<i32> = messages.iter().chain(&deadlines).copied().collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, all, "75 notifications in three pages, newest first, none twice");

    let first = page(&app, &token, &[]).await;
    assert_eq!(first.unread, 75);
    assert!(first.case_types.contains(&"Employment".to_owned()));
    let only_deadlines = page(&app, &token, &[("event", "TaskDue")]).await;
    assert_eq!(only_deadlines.items.len(), 30);
    assert!(only_deadlines.more);
    assert!(only_deadlines.items.iter().all(|n| n.event == "Task due"));
    let injury = page(&app, &token, &[("case_type", "Personal injury")]).await;
    assert!(injury.items.iter().all(|n| n.case_id == smith.id));
    let none = page(&app, &token, &[("event", "TaskDue"), ("case_type", "Personal injury")]).await;
    assert!(none.items.is_empty() && !none.more);
    assert_eq!(none.unread, 75, "the count is the company's, whatever the filter");

    // Mark as unread puts one back in the count.
    let id = messages[0].to_string();
    app.call::<MarkNotificationRead>(&[("id", &id)], Some(&token)).await;
    assert_eq!(page(&app, &token, &[]).await.unread, 74);
    let reply = app.call::<MarkNotificationUnread>(&[("id", &id)], Some(&token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    assert_eq!(page(&app, &token, &[]).await.unread, 75);
}

#[tokio::test]
async fn read_notifications_past_the_retention_period_are_deleted_and_unread_ones_stay() {
    let app = spawn().await;
    let smith = case_by_number(&app, "HL-2026-014").await;
    let ids = many(&app, &smith, Event::NewMessage, 3).await;
    // One read, one unread, one never in the bell (email only, with its delivery).
    notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            sea_orm::sea_query::Expr::value(Some(chrono::Utc::now())),
        )
        .filter(notification::Column::Id.eq(ids[0]))
        .exec(&app.state.db)
        .await
        .unwrap();
    let occurrence = Occurrence::for_person(
        smith.company_id,
        Event::NewMessage,
        &smith,
        DEMO,
        None,
        "email only".into(),
        "x".into(),
    );
    let email_only =
        app::notifications::events::Delivery { in_app: false, email: true, push: false };
    let mailed =
        dispatcher::record(&app.state.db, &occurrence, DEMO, email_only, Default::default())
            .await
            .unwrap()
            .unwrap()
            .notification_id;
    let retention = chrono::Duration::days(180);
    let now = chrono::Utc::now();
    assert_eq!(
        inbox::delete_old(&app.state.db, retention, now).await.unwrap(),
        0,
        "nothing is old yet"
    );
    let later = now + chrono::Duration::days(181);
    assert_eq!(inbox::delete_old(&app.state.db, retention, later).await.unwrap(), 2);
    let left: Vec<i32> = notifications_of(&app, DEMO).await.into_iter().map(|n| n.id).collect();
    assert_eq!(left, [ids[1], ids[2]], "the unread ones stay");
    assert!(deliveries_of(&app, mailed).await.is_empty(), "its delivery went with it");
}
