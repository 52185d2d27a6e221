//! One-click unsubscribe (RFC 8058): the headers of notification and digest emails, the
//! signed link, the mail client's POST without sign-in, the page's choice, and replays.

use app::notifications::api::{
    CheckUnsubscribeLink, CustomizeNotifications, SettingsScope, UnsubscribeByLink,
    UnsubscribeChoice,
};
use app::notifications::delivery as worker;
use app::notifications::events::{Event, Method};
use app::notifications::server as preferences;
use app::notifications::unsubscribe::{self, Target};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;

use crate::harness::{Reply, TestApp, company_named, from_address, spawn};
use crate::integrations_api::{api_token, post_report};
use crate::notification_center::DEMO;

/// What a mail provider sends when the reader clicks "Unsubscribe": a cross-site POST,
/// without cookies.
async fn one_click(app: &TestApp, link: &str) -> Reply {
    let path =
        link.split_once("/unsubscribe").map(|(_, rest)| format!("/unsubscribe{rest}")).unwrap();
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://mail.example.com")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    request.extensions_mut().insert(from_address("203.0.113.9"));
    app.send(request).await
}

fn link_text(link: &str) -> &str {
    link.split_once("?link=").unwrap().1
}

async fn email_on(app: &TestApp, company_id: i32, event: Event) -> bool {
    preferences::deliveries(&app.state.db, DEMO, company_id)
        .await
        .unwrap()
        .into_iter()
        .find(|(e, _)| *e == event)
        .unwrap()
        .1
        .email
}

/// A client message on the demo person's case, emailed.
async fn message_email(app: &TestApp, token: &str) -> serde_json::Value {
    let sent_before = app.outbox_messages().len();
    post_report(
        app,
        "/integrations/v1/messages",
        Some(token),
        "application/json",
        r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Could you call me back?"}"#,
    )
    .await;
    worker::run_pass(&app.state, Utc::now()).await.unwrap();
    let messages = app.outbox_messages();
    assert_eq!(messages.len(), sent_before + 1, "one email");
    messages.last().unwrap().clone()
}

#[tokio::test]
async fn a_notification_email_unsubscribes_in_one_click_without_signing_in() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let harper = company_named(&app, "Harper & Lowe LLP").await.id;
    let reyes = company_named(&app, "Reyes Legal Group").await.id;
    preferences::set(
        &app.state.db,
        DEMO,
        SettingsScope::Defaults,
        Event::NewMessage,
        Method::Email,
        true,
    )
    .await
    .unwrap();

    let email = message_email(&app, &token).await;
    let link = email["list_unsubscribe"].as_str().unwrap().to_owned();
    assert!(link.starts_with("http") && link.contains("/unsubscribe?link="), "{link}");
    let text = email["text"].as_str().unwrap();
    assert!(
        text.contains(
            "You get this email because “New message” emails are on in your default settings."
        ),
        "{text}"
    );
    assert!(text.contains(&format!("Turn off these emails: {link}")));
    assert!(email["html"].as_str().unwrap().contains("Turn off these emails"));

    // The page says what the link does, and the load changes nothing.
    let page = app.get(&format!("/unsubscribe?link={}", link_text(&link)), None).await;
    assert_eq!(page.status, StatusCode::OK, "public: {}", page.text());
    let choice: UnsubscribeChoice =
        app.call::<CheckUnsubscribeLink>(&[("link", link_text(&link))], None).await.json();
    assert_eq!(
        choice,
        UnsubscribeChoice {
            what: "“New message” emails".into(),
            settings: "your default settings".into(),
            already_off: false
        }
    );
    assert!(email_on(&app, harper, Event::NewMessage).await);

    // A changed link does nothing.
    let mut forged = link.clone();
    forged.pop();
    forged.push(if link.ends_with('A') { 'B' } else { 'A' });
    let refused = one_click(&app, &forged).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    let other_person = link.replacen(&format!("link={DEMO}."), "link=2.", 1);
    assert_eq!(one_click(&app, &other_person).await.status, StatusCode::CONFLICT);
    assert!(email_on(&app, harper, Event::NewMessage).await);

    // The mail client's POST, cross-site and without a cookie.
    let reply = one_click(&app, &link).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(!email_on(&app, harper, Event::NewMessage).await);
    assert!(!email_on(&app, reyes, Event::NewMessage).await, "the defaults serve Reyes too");
    assert!(email_on(&app, harper, Event::CaseAssigned).await, "other events keep their email");
    // Replayed: harmless.
    assert_eq!(one_click(&app, &link).await.status, StatusCode::OK);
    let choice: UnsubscribeChoice =
        app.call::<UnsubscribeByLink>(&[("link", link_text(&link))], None).await.json();
    assert!(choice.already_off);
    assert!(email_on(&app, harper, Event::CaseAssigned).await);
}

#[tokio::test]
async fn a_firm_with_its_own_settings_is_unsubscribed_there_and_a_digest_everywhere() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let harper = company_named(&app, "Harper & Lowe LLP").await.id;
    let reyes = company_named(&app, "Reyes Legal Group").await.id;
    preferences::set(
        &app.state.db,
        DEMO,
        SettingsScope::Defaults,
        Event::NewMessage,
        Method::Email,
        true,
    )
    .await
    .unwrap();
    app.call::<CustomizeNotifications>(&[], Some(&session)).await;

    let footer = unsubscribe::for_notification(
        &app.state.db,
        &app.state.config,
        DEMO,
        (harper, "Harper & Lowe LLP"),
        Event::NewMessage,
    )
    .await
    .unwrap();
    assert_eq!(
        footer.reason,
        "You get this email because “New message” emails are on in your settings for Harper & Lowe LLP."
    );
    let choice: UnsubscribeChoice =
        app.call::<UnsubscribeByLink>(&[("link", link_text(&footer.link))], None).await.json();
    assert_eq!(choice.settings, "your settings for Harper & Lowe LLP");
    assert!(!email_on(&app, harper, Event::NewMessage).await);
    assert!(email_on(&app, reyes, Event::NewMessage).await, "Reyes follows the defaults");

    // A digest's link: every notification email, in every set.
    let digest = unsubscribe::for_digest(&app.state.db, &app.state.config, DEMO).await.unwrap();
    assert_eq!(one_click(&app, &digest.link).await.status, StatusCode::OK);
    for company in [harper, reyes] {
        for event in Event::ALL {
            assert!(!email_on(&app, company, event).await, "{event:?} in {company}");
        }
    }
    let target = unsubscribe::verify(&app.state.db, link_text(&digest.link)).await.unwrap();
    assert_eq!(target, Target { user_id: DEMO, company_id: 0, event: None });
}
