//! Web Push against a push-service stand-in on loopback, run by these tests. Like a real
//! push service it checks the VAPID signature (RFC 8292); like the browser it decrypts
//! the message with the subscription's private key (RFC 8291), written here from the RFCs
//! independently of the server's code. A 410 removes the device; a 503 is retried without
//! pushing twice to the device that already took it.

use axum::body::Body;
use axum::http::header;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use app::backend::entities::{case, notification_delivery as delivery, push_subscription, user};
use app::error::AppError;
use app::notifications::api::SettingsScope;
use app::notifications::delivery as worker;
use app::notifications::dispatcher::{self, Occurrence};
use app::notifications::events::{Event, Method};
use app::notifications::push::api::{GetPushSetup, PushSetup, SavePushSubscription};
use app::notifications::server as preferences;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, browser_post, from_address, spawn};
use crate::push_service::{Device, PushService, open};

pub(crate) const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Saves a subscription as the browser's page does, from Chrome on Linux.
pub(crate) async fn subscribe(
    app: &TestApp,
    token: &str,
    subscription: &str,
) -> Result<PushSetup, AppError> {
    let body = format!("subscription={}", urlencode(subscription));
    let mut request =
        browser_post::<SavePushSubscription>("application/x-www-form-urlencoded", Some(token))
            .header(header::USER_AGENT, CHROME_LINUX)
            .body(Body::from(body))
            .unwrap();
    request.extensions_mut().insert(from_address("127.0.0.1"));
    let reply = app.send(request).await;
    if reply.status.is_success() { Ok(reply.json()) } else { Err(reply.app_error()) }
}

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The app, the push-service stand-in, and the demo person signed in from Chrome on Linux.
pub(crate) struct Scene {
    pub(crate) app: TestApp,
    pub(crate) service: PushService,
    pub(crate) origin: String,
    pub(crate) token: String,
}

pub(crate) async fn scene() -> Scene {
    let app = spawn().await;
    let (service, origin) = PushService::start().await;
    let token = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_LINUX, "127.0.0.1").await;
    Scene { app, service, origin, token }
}

/// A browser whose push service is the stand-in, with push turned on from the page.
pub(crate) async fn with_push(app: &TestApp, token: &str, origin: &str, name: &str) -> Device {
    let device = Device::new(origin, name);
    subscribe(app, token, &device.json()).await.unwrap();
    device
}

pub(crate) async fn demo(app: &TestApp) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A "New message" notification for the demo person on HL-2026-014, push on.
pub(crate) async fn notify(app: &TestApp, person: &user::Model, title: &str) -> i32 {
    let smith = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-014"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    preferences::set(
        &app.state.db,
        person.id,
        SettingsScope::Defaults,
        Event::NewMessage,
        Method::Push,
        true,
    )
    .await
    .unwrap();
    let occurrence = Occurrence::for_person(
        smith.company_id,
        Event::NewMessage,
        &smith,
        person.id,
        None,
        title.into(),
        "Jordan Smith: Can we move Thursday's meeting?".into(),
    );
    dispatcher::dispatch(&app.state.db, &occurrence).await.unwrap()[0].notification_id
}

pub(crate) async fn push_delivery(app: &TestApp, notification_id: i32) -> delivery::Model {
    delivery::Entity::find()
        .filter(delivery::Column::NotificationId.eq(notification_id))
        .filter(delivery::Column::Method.eq("push"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn device_count(app: &TestApp) -> usize {
    push_subscription::Entity::find().all(&app.state.db).await.unwrap().len()
}

#[tokio::test]
async fn a_push_reaches_each_device_encrypted_and_signed_and_never_twice() {
    let Scene { app, service, origin, token } = scene().await;
    let laptop = Device::new(&origin, "laptop");
    let phone = Device::new(&origin, "phone");
    subscribe(&app, &token, &laptop.json()).await.unwrap();
    let setup = subscribe(&app, &token, &phone.json()).await.unwrap();
    assert_eq!(setup.devices.len(), 2);
    assert_eq!(setup.devices[0].name, "Chrome 131 on Linux");
    assert!(setup.devices.iter().all(|d| d.this_device));
    assert_eq!(setup.public_key, app.state.push.public_key());

    let person = demo(&app).await;
    let id = notify(&app, &person, "New message: HL-2026-014 · Smith v. Ridgeway Logistics").await;
    let report = worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");

    for device in [&laptop, &phone] {
        let pushes = service.received_by(&device.name);
        assert_eq!(pushes.len(), 1, "{}", device.name);
        let message = open(&pushes[0], device, app.state.push.public_key(), &origin);
        assert_eq!(message["title"], "New message: HL-2026-014 · Smith v. Ridgeway Logistics");
        assert_eq!(
            message["body"],
            "Harper & Lowe LLP: Jordan Smith: Can we move Thursday's meeting?"
        );
        let smith = case::Entity::find()
            .filter(case::Column::Number.eq("HL-2026-014"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message["url"], format!("/cases/{}", smith.id));
        assert_eq!(message["tag"], format!("kayse-notification-{id}"));
    }
    // Each push is encrypted for its own device: same message, different bodies.
    assert_ne!(service.received_by("laptop")[0].body, service.received_by("phone")[0].body);
    let row = push_delivery(&app, id).await;
    assert_eq!(row.status, "sent");

    worker::run_pass(&app.state, Utc::now() + chrono::Duration::hours(2)).await.unwrap();
    assert_eq!(service.received().len(), 2, "a sent push is never sent again");
}

#[tokio::test]
async fn a_device_the_push_service_calls_gone_is_removed() {
    let Scene { app, service, origin, token } = scene().await;
    let kept = with_push(&app, &token, &origin, "kept").await;
    with_push(&app, &token, &origin, "uninstalled").await;
    service.answer("uninstalled", &[410]);
    let person = demo(&app).await;

    let first = notify(&app, &person, "New message: first").await;
    worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(push_delivery(&app, first).await.status, "sent");
    let remaining = push_subscription::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(
        remaining.iter().map(|d| d.endpoint.as_str()).collect::<Vec<_>>(),
        vec![kept.endpoint.as_str()]
    );
    assert!(remaining[0].last_success_at.is_some());
    let listed: PushSetup = app.call::<GetPushSetup>(&[], Some(&token)).await.json();
    assert_eq!(listed.devices.len(), 1);

    notify(&app, &person, "New message: second").await;
    worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(service.received_by("kept").len(), 2);
    assert_eq!(
        service.received_by("uninstalled").len(),
        1,
        "nothing more goes to a removed device"
    );

    // 404 means gone as well.
    service.answer("kept", &[404]);
    let third = notify(&app, &person, "New message: third").await;
    worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(device_count(&app).await, 0);
    assert_eq!(push_delivery(&app, third).await.status, "skipped", "no device left to push to");
}

#[tokio::test]
async fn a_temporary_failure_is_retried_only_for_the_device_that_failed() {
    let Scene { app, service, origin, token } = scene().await;
    with_push(&app, &token, &origin, "steady").await;
    let flaky = with_push(&app, &token, &origin, "flaky").await;
    service.answer("flaky", &[503, 429]);
    let person = demo(&app).await;
    let id = notify(&app, &person, "New message: retry").await;
    let t0 = Utc::now();

    assert_eq!(worker::run_pass(&app.state, t0).await.unwrap().retried, 1);
    let row = push_delivery(&app, id).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.last_error.as_deref().unwrap_or_default().contains("503"), "{:?}", row.last_error);
    assert_eq!(
        worker::run_pass(&app.state, t0 + chrono::Duration::seconds(31)).await.unwrap().retried,
        1,
        "429: later again"
    );
    assert_eq!(
        worker::run_pass(&app.state, t0 + chrono::Duration::seconds(200)).await.unwrap().sent,
        1
    );

    assert_eq!(
        service.received_by("steady").len(),
        1,
        "the device that took it first is not pushed again"
    );
    assert_eq!(service.received_by("flaky").len(), 3);
    let message =
        open(&service.received_by("flaky")[2], &flaky, app.state.push.public_key(), &origin);
    assert_eq!(message["title"], "New message: retry");
    assert_eq!(push_delivery(&app, id).await.status, "sent");
}

#[tokio::test]
async fn a_refused_push_fails_and_quiet_hours_hold_push() {
    let Scene { app, service, origin, token } = scene().await;
    with_push(&app, &token, &origin, "only").await;
    let person = demo(&app).await;

    // 403 (say, a key mismatch) will not get better by repeating.
    service.answer("only", &[403]);
    let refused = notify(&app, &person, "New message: refused").await;
    assert_eq!(worker::run_pass(&app.state, Utc::now()).await.unwrap().failed, 1);
    let row = push_delivery(&app, refused).await;
    assert_eq!(row.status, "failed");
    assert!(row.last_error.unwrap_or_default().contains("403"));
    assert_eq!(device_count(&app).await, 1, "a refusal is not a reason to forget the device");

    // Quiet hours from an hour ago to three hours ahead, in the person's timezone: the push waits.
    let local = Utc::now().with_timezone(&person.timezone.parse::<chrono_tz::Tz>().unwrap());
    let minutes = (chrono::Timelike::hour(&local) * 60 + chrono::Timelike::minute(&local)) as i32;
    let start = (minutes / 30 * 30 - 60).rem_euclid(24 * 60);
    preferences::set_quiet_hours(
        &app.state.db,
        person.id,
        Some((start, (start + 240) % (24 * 60))),
    )
    .await
    .unwrap();
    let held = notify(&app, &person, "New message: held").await;
    let report = worker::run_pass(&app.state, Utc::now()).await.unwrap();
    assert_eq!(report.held, 1, "{report:?}");
    let row = push_delivery(&app, held).await;
    assert_eq!(row.status, "pending");
    assert!(row.next_attempt_at > Utc::now());
    assert_eq!(service.received().len(), 1);
}

/// A subscription stored for `person` directly (as if from their own browser).
async fn stored_device(app: &TestApp, person: &user::Model, origin: &str, name: &str) -> Device {
    use sea_orm::{ActiveModelTrait, Set};
    let device = Device::new(origin, name);
    let subscription: serde_json::Value = serde_json::from_str(&device.json()).unwrap();
    let session = app::backend::entities::session::Entity::find().one(&app.state.db).await.unwrap();
    push_subscription::ActiveModel {
        user_id: Set(person.id),
        session_id: Set(session.unwrap().id),
        endpoint: Set(device.endpoint.clone()),
        p256dh: Set(subscription["keys"]["p256dh"].as_str().unwrap().to_owned()),
        auth: Set(subscription["keys"]["auth"].as_str().unwrap().to_owned()),
        device_name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        last_success_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    device
}

#[tokio::test]
async fn a_stalled_push_service_does_not_hold_up_anyone_else() {
    let Scene { app, service, origin, token } = scene().await;
    with_push(&app, &token, &origin, "stall-phone").await;
    let alex = demo(&app).await;
    let priya = crate::notification_center::user_named(&app, "Priya Shah").await;
    stored_device(&app, &priya, &origin, "priya-laptop").await;
    // Alex's push is due first, and their push service never answers.
    let stalled = notify(&app, &alex, "New message for Alex").await;
    let fine = notify(&app, &priya, "New message for Priya").await;

    let state = app.state.clone();
    let pass = tokio::spawn(async move { worker::run_pass(&state, Utc::now()).await.unwrap() });
    // Priya's push arrives while Alex's is still stalled (a bounded wait: a serial worker
    // would leave it queued behind the stall, and the test fails instead of hanging).
    let arrived = tokio::time::timeout(std::time::Duration::from_secs(8), async {
        while service.received_by("priya-laptop").is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(arrived.is_ok(), "a stalled push service held up someone else's push");
    assert!(!pass.is_finished(), "Alex's push is still stalled");
    service.release();
    let report = pass.await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(push_delivery(&app, fine).await.status, "sent");
    assert_eq!(push_delivery(&app, stalled).await.status, "sent");
}

#[tokio::test]
async fn an_endless_error_answer_is_read_only_to_its_first_kilobyte() {
    let Scene { app, service, origin, token } = scene().await;
    with_push(&app, &token, &origin, "endless-tablet").await;
    let alex = demo(&app).await;
    let id = notify(&app, &alex, "New message for Alex").await;
    let pass = tokio::time::timeout(
        std::time::Duration::from_secs(8),
        worker::run_pass(&app.state, Utc::now()),
    )
    .await
    .expect("the answer's body is not read to its (missing) end")
    .unwrap();
    assert_eq!(pass.failed, 1, "{pass:?}");
    assert_eq!(service.received_by("endless-tablet").len(), 1);
    let row = push_delivery(&app, id).await;
    let error = row.last_error.unwrap();
    assert!(error.contains("400") && error.len() < 400, "{error}");
}
