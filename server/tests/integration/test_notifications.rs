//! "Send a test notification": through the real path, whatever the matrix, quiet hours
//! and digest say; one per method every 30 seconds, however many clicks arrive at once.

use app::backend::entities::notification;
use app::notifications::api::{SendTestNotification, SettingsScope, TestSent};
use app::notifications::delivery as worker;
use app::notifications::events::{Digest, Event, Method};
use app::notifications::server as preferences;
use axum::http::StatusCode;
use chrono::Utc;

use crate::harness::{company_named, spawn};
use crate::notification_center::{DEMO, case_by_number, deliveries_of, notifications_of};

#[tokio::test]
async fn a_test_goes_through_the_real_path_whatever_the_settings() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let harper = company_named(&app, "Harper & Lowe LLP").await.id;
    // Everything that would stop or hold it: the event off, quiet hours all day, a digest.
    for method in Method::ALL {
        preferences::set(
            &app.state.db,
            DEMO,
            SettingsScope::Defaults,
            Event::MissedCall,
            method,
            false,
        )
        .await
        .unwrap();
    }
    preferences::set_quiet_hours(&app.state.db, DEMO, Some((0, 23 * 60 + 30))).await.unwrap();
    preferences::set_email_digest(&app.state.db, DEMO, Digest::Weekly).await.unwrap();

    let sent: TestSent = app
        .call::<SendTestNotification>(&[("event", "MissedCall"), ("method", "InApp")], Some(&token))
        .await
        .json();
    assert_eq!(sent.message, "Sent: it is in the bell, in Harper & Lowe LLP.");
    let shown = notifications_of(&app, DEMO).await.pop().unwrap();
    assert!(
        shown.in_app
            && shown.event == "missed_call"
            && shown.title.starts_with("Test: Missed call on ")
    );
    assert_eq!(shown.company_id, harper);
    let case = case_by_number(&app, "HL-2026-014").await;
    assert_eq!(shown.case_id, case.id, "the person's newest case");
    assert!(deliveries_of(&app, shown.id).await.is_empty());

    let reply = app
        .call::<SendTestNotification>(&[("event", "MissedCall"), ("method", "Email")], Some(&token))
        .await;
    assert!(reply.json::<TestSent>().message.starts_with("Sent to demo@kayse.test"));
    let report = worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(report.sent, 1, "not held by quiet hours or the digest: {report:?}");
    let email = app.outbox_messages().pop().unwrap();
    assert!(email["subject"].as_str().unwrap().starts_with("Test: Missed call on "));
    assert!(email["text"].as_str().unwrap().contains("This email was sent to you directly"));

    // Push needs a device; nothing is sent or counted without one.
    let reply = app
        .call::<SendTestNotification>(&[("event", "MissedCall"), ("method", "Push")], Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.text().contains("Enable push on this device"), "{}", reply.text());

    // Signed out: nothing.
    let reply = app
        .call::<SendTestNotification>(&[("event", "MissedCall"), ("method", "InApp")], None)
        .await;
    assert!(!reply.status.is_success());
}

#[tokio::test]
async fn sixty_test_clicks_at_once_send_one() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let before = notifications_of(&app, DEMO).await.len();
    let clicks = (0..60).map(|_| {
        let (app, token) = (&app, token.clone());
        async move {
            app.call::<SendTestNotification>(
                &[("event", "NewMessage"), ("method", "InApp")],
                Some(&token),
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(clicks).await;
    let sent = replies.iter().filter(|r| r.status.is_success()).count();
    let limited = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((sent, limited), (1, 59));
    assert!(replies.iter().any(|r| r.header("retry-after").is_some()));
    let stored: Vec<notification::Model> = notifications_of(&app, DEMO).await;
    assert_eq!(stored.len(), before + 1);
    // Another method has its own allowance.
    let reply = app
        .call::<SendTestNotification>(&[("event", "NewMessage"), ("method", "Email")], Some(&token))
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
}
