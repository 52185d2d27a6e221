//! Urgent alerts: a company that wants "Negative sentiment" acknowledged has it sent again,
//! then to its Admins, while nobody opens it; opening it (or the case) stops that. Timing
//! runs on a clock the test controls (`run_pass(now)`).

use app::backend::entities::{notification, notification_alert, notification_delivery};
use app::cases::api::{CaseDetail, GetCase};
use app::company_settings::api::{EscalationPolicy, SaveEscalationPolicy};
use app::notifications::api::{MarkNotificationRead, SetUrgentDuringQuietHours};
use app::notifications::escalation;
use app::notifications::server as preferences;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{Reply, TestApp, spawn};
use crate::integrations_api::{api_token, post_report};
use crate::members::sign_in_colleague;
use crate::notification_center::{DEMO, case_by_number, notifications_of, user_named};

const UNHAPPY: &str = "This is terrible, nobody has called me back in weeks. I am furious.";

async fn save_policy(
    app: &TestApp,
    token: &str,
    negative: bool,
    minutes: &str,
    contact: &str,
) -> Reply {
    app.call::<SaveEscalationPolicy>(
        &[
            ("negative_sentiment", if negative { "true" } else { "false" }),
            ("missed_call", "false"),
            ("minutes", minutes),
            ("contact_id", contact),
        ],
        Some(token),
    )
    .await
}

/// An unhappy message on Priya's case (HL-2026-021).
async fn unhappy_client(app: &TestApp, api: &str) {
    let body =
        format!(r#"{{"case": "HL-2026-021", "from": "Eleanor's nephew", "text": "{UNHAPPY}"}}"#);
    let reply =
        post_report(app, "/integrations/v1/messages", Some(api), "application/json", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

async fn alerts(app: &TestApp) -> Vec<notification_alert::Model> {
    notification_alert::Entity::find().all(&app.state.db).await.unwrap()
}

async fn deliveries(app: &TestApp, notification_id: i32) -> Vec<notification_delivery::Model> {
    notification_delivery::Entity::find()
        .filter(notification_delivery::Column::NotificationId.eq(notification_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unseen_alert_is_sent_again_then_to_the_admins_once_each() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let api = api_token(&app, &admin).await;
    let priya = user_named(&app, "Priya Shah").await;
    let saved: EscalationPolicy = save_policy(&app, &admin, true, "10", "0").await.json();
    assert_eq!(
        saved,
        EscalationPolicy {
            negative_sentiment: true,
            missed_call: false,
            minutes: 10,
            contact_id: None
        }
    );

    let start = Utc::now();
    unhappy_client(&app, &api).await;
    let opened = alerts(&app).await;
    assert_eq!(opened.len(), 1);
    let alert = &opened[0];
    assert_eq!((alert.stage, alert.event.as_str()), (0, "negative_sentiment"));
    let first = notifications_of(&app, priya.id).await;
    assert_eq!(first.iter().filter(|n| n.alert_id == Some(alert.id)).count(), 1);

    assert!(
        escalation::run_pass(&app.state, start + Duration::minutes(9)).await.unwrap().is_empty()
    );
    // Ten minutes on: Priya again, by email and push, not in the bell a second time.
    let step = escalation::run_pass(&app.state, alert.due_at + Duration::seconds(1)).await.unwrap();
    assert_eq!(step.len(), 1);
    assert_eq!(step[0].user_id, priya.id);
    let again = notification::Entity::find_by_id(step[0].notification_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !again.in_app && again.title.starts_with("Not seen yet: Negative sentiment on HL-2026-021")
    );
    let methods: Vec<String> =
        deliveries(&app, again.id).await.into_iter().map(|d| d.method).collect();
    assert_eq!(methods, ["email", "push"]);
    assert!(deliveries(&app, again.id).await.iter().all(|d| d.skip_digest && !d.skip_quiet_hours));

    // Ten more: two passes at once (two instances) take the last step once.
    let due = alerts(&app).await[0].due_at + Duration::seconds(1);
    let (a, b) =
        tokio::join!(escalation::run_pass(&app.state, due), escalation::run_pass(&app.state, due));
    let last: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    assert_eq!(last.len(), 1, "one Admin, told once: {last:?}");
    assert_eq!(last[0].user_id, DEMO);
    assert!(last[0].in_app);
    let told = notifications_of(&app, DEMO).await.pop().unwrap();
    assert!(
        told.title.starts_with("Nobody has seen: Negative sentiment on HL-2026-021"),
        "{}",
        told.title
    );
    assert_eq!(alerts(&app).await[0].stage, escalation::LAST_STAGE);
    assert!(
        escalation::run_pass(&app.state, due + Duration::hours(5)).await.unwrap().is_empty(),
        "no step after the last"
    );
}

#[tokio::test]
async fn opening_the_notification_or_the_case_stops_the_escalation_and_the_case_says_who_saw_it() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let api = api_token(&app, &admin).await;
    let priya = user_named(&app, "Priya Shah").await;
    save_policy(&app, &admin, true, "5", "0").await;
    let priya_session = sign_in_colleague(&app, "Priya Shah", "198.51.100.51").await;

    unhappy_client(&app, &api).await;
    let alert = alerts(&app).await.pop().unwrap();
    let theirs = notifications_of(&app, priya.id)
        .await
        .into_iter()
        .find(|n| n.alert_id == Some(alert.id))
        .unwrap();
    let reply = app
        .call::<MarkNotificationRead>(&[("id", &theirs.id.to_string())], Some(&priya_session))
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
    let seen = alerts(&app).await.pop().unwrap();
    assert_eq!(seen.acknowledged_by, Some(priya.id));
    assert!(
        escalation::run_pass(&app.state, alert.due_at + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );

    let case = case_by_number(&app, "HL-2026-021").await;
    let detail: CaseDetail =
        app.call::<GetCase>(&[("id", &case.id.to_string())], Some(&admin)).await.json();
    assert_eq!(detail.alerts.len(), 1);
    assert!(detail.alerts[0].what.starts_with("Negative sentiment, "));
    assert!(
        detail.alerts[0].seen.starts_with("Seen by Priya Shah at "),
        "{}",
        detail.alerts[0].seen
    );

    // A second alert, seen by opening the case (where an email's link leads).
    unhappy_client(&app, &api).await;
    let second = alerts(&app).await.into_iter().find(|a| a.id != alert.id).unwrap();
    assert!(second.acknowledged_at.is_none());
    app.call::<GetCase>(&[("id", &case.id.to_string())], Some(&priya_session)).await;
    let second = notification_alert::Entity::find_by_id(second.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.acknowledged_by, Some(priya.id));
    assert!(
        escalation::run_pass(&app.state, second.due_at + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn urgent_alerts_pass_quiet_hours_only_for_those_who_allow_it() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let api = api_token(&app, &admin).await;
    let priya = user_named(&app, "Priya Shah").await;
    save_policy(&app, &admin, true, "5", "0").await;
    let priya_session = sign_in_colleague(&app, "Priya Shah", "198.51.100.52").await;
    preferences::set_quiet_hours(&app.state.db, priya.id, Some((0, 23 * 60 + 30))).await.unwrap();
    let allowed: bool = app
        .call::<SetUrgentDuringQuietHours>(&[("enabled", "true")], Some(&priya_session))
        .await
        .json();
    assert!(allowed);

    unhappy_client(&app, &api).await;
    let alert = alerts(&app).await.pop().unwrap();
    let step = escalation::run_pass(&app.state, alert.due_at + Duration::seconds(1)).await.unwrap();
    let rows = deliveries(&app, step[0].notification_id).await;
    assert!(rows.iter().all(|d| d.skip_quiet_hours), "Priya allows urgent alerts in quiet hours");
}

#[tokio::test]
async fn the_policy_is_checked_and_admins_only_and_nothing_escalates_without_it() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let api = api_token(&app, &admin).await;
    let refused = save_policy(&app, &admin, true, "7", "0").await;
    assert!(refused.app_error().message_for("minutes").is_some(), "{}", refused.text());
    let dana = user_named(&app, "Dana Reyes").await;
    let refused = save_policy(&app, &admin, true, "10", &dana.id.to_string()).await;
    assert!(refused.app_error().message_for("contact_id").is_some(), "another company's member");
    let priya_session = sign_in_colleague(&app, "Priya Shah", "198.51.100.53").await;
    assert_eq!(
        save_policy(&app, &priya_session, true, "10", "0").await.status,
        StatusCode::CONFLICT
    );

    unhappy_client(&app, &api).await;
    assert!(alerts(&app).await.is_empty(), "not required: no alert");
    // A chosen colleague is told instead of the Admins.
    let marcus = user_named(&app, "Marcus Lee").await;
    save_policy(&app, &admin, true, "5", &marcus.id.to_string()).await;
    unhappy_client(&app, &api).await;
    let alert = alerts(&app).await.pop().unwrap();
    escalation::run_pass(&app.state, alert.due_at + Duration::seconds(1)).await.unwrap();
    let due = alerts(&app).await.pop().unwrap().due_at + Duration::seconds(1);
    let last = escalation::run_pass(&app.state, due).await.unwrap();
    assert_eq!(last.iter().map(|d| d.user_id).collect::<Vec<_>>(), [marcus.id]);
}
