//! Web Push against a push-service stand-in on loopback, run by these tests. Like a real
//! push service it checks the VAPID signature (RFC 8292); like the browser it decrypts
//! the message with the subscription's private key (RFC 8291), written here from the RFCs
//! independently of the server's code. A 410 removes the device; a 503 is retried without
//! pushing twice to the device that already took it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Utc;
use hkdf::Hkdf;
use leptos::server_fn::ServerFn;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::Sha256;

use app::auth::api::SignOut;
use app::backend::entities::{case, notification_delivery as delivery, push_subscription, user};
use app::error::AppError;
use app::notifications::delivery as worker;
use app::notifications::dispatcher::{self, Occurrence};
use app::notifications::events::{Event, Method};
use app::notifications::push::api::{
    GetPushSetup, PushSetup, RemovePushDevice, SavePushSubscription, SendTestPush, TestPush,
};
use app::notifications::server as preferences;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, browser_post, from_address, spawn};

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// One push as the stand-in received it.
#[derive(Clone, Debug)]
struct Received {
    device: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The push service: records every push and answers per device as told.
#[derive(Clone, Default)]
struct PushService {
    received: Arc<Mutex<Vec<Received>>>,
    /// Device name → statuses to answer, in turn, before answering 201.
    scripted: Arc<Mutex<HashMap<String, Vec<u16>>>>,
}

impl PushService {
    async fn start() -> (PushService, String) {
        let service = PushService::default();
        let router = axum::Router::new()
            .route("/push/{device}", axum::routing::post(receive))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (service, origin)
    }

    fn answer(&self, device: &str, statuses: &[u16]) {
        self.scripted.lock().unwrap().insert(device.to_owned(), statuses.to_vec());
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn received_by(&self, device: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.device == device).collect()
    }
}

async fn receive(
    State(service): State<PushService>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    service.received.lock().unwrap().push(Received {
        device: device.clone(),
        headers,
        body: body.to_vec(),
    });
    let mut scripted = service.scripted.lock().unwrap();
    match scripted.get_mut(&device) {
        Some(statuses) if !statuses.is_empty() => StatusCode::from_u16(statuses.remove(0)).unwrap(),
        _ => StatusCode::CREATED,
    }
}

/// A browser's side of a subscription: its key pair and auth secret.
struct Device {
    name: String,
    endpoint: String,
    secret: SecretKey,
    auth: [u8; 16],
}

impl Device {
    fn new(origin: &str, name: &str) -> Device {
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Device { name: name.to_owned(), endpoint: format!("{origin}/push/{name}"), secret, auth }
    }

    /// What `JSON.stringify(pushSubscription)` gives.
    fn json(&self) -> String {
        serde_json::json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": B64.encode(self.secret.public_key().to_encoded_point(false).as_bytes()),
                "auth": B64.encode(self.auth),
            },
        })
        .to_string()
    }

    /// RFC 8291 section 3 and RFC 8188, the receiving side.
    fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let salt = &body[..16];
        let record_size = u32::from_be_bytes(body[16..20].try_into().unwrap());
        assert_eq!(record_size, 4096);
        let id_len = body[20] as usize;
        assert_eq!(id_len, 65, "the key id is the sender's uncompressed public key");
        let sender_point = &body[21..21 + id_len];
        let sealed = &body[21 + id_len..];
        let sender = PublicKey::from_sec1_bytes(sender_point).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(self.secret.public_key().to_encoded_point(false).as_bytes());
        info.extend_from_slice(sender_point);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut key = [0u8; 16];
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut key).unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&key)
            .unwrap()
            .decrypt(Nonce::from_slice(&nonce), sealed)
            .expect("decrypts with the device key");
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "a single, last record ends with the 0x02 delimiter");
        plain
    }
}

/// Checks the push the way a push service does, and returns the decrypted message.
fn open(push: &Received, device: &Device, server_key: &str, origin: &str) -> serde_json::Value {
    assert_eq!(push.headers.get(header::CONTENT_ENCODING).unwrap(), "aes128gcm");
    assert_eq!(push.headers.get("ttl").unwrap(), "86400");
    let authorization = push.headers.get(header::AUTHORIZATION).unwrap().to_str().unwrap();
    let (token, k) = authorization.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, server_key, "signed with the key browsers subscribed with");
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let verifying = VerifyingKey::from_sec1_bytes(&B64.decode(k).unwrap()).unwrap();
    let signature = Signature::from_slice(&B64.decode(signature).unwrap()).unwrap();
    verifying.verify(signing_input.as_bytes(), &signature).expect("a valid ES256 signature");
    let (header_part, claims_part) = signing_input.split_once('.').unwrap();
    let jwt_header: serde_json::Value =
        serde_json::from_slice(&B64.decode(header_part).unwrap()).unwrap();
    assert_eq!(jwt_header["alg"], "ES256");
    let claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(claims_part).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin, "the audience is the push service's origin");
    assert_eq!(claims["sub"], "mailto:ops@kayse.test");
    let exp = claims["exp"].as_i64().unwrap();
    let now = Utc::now().timestamp();
    assert!(exp > now && exp <= now + 24 * 3600, "expires within 24 hours: {exp}");
    serde_json::from_slice(&device.decrypt(&push.body)).unwrap()
}

/// Saves a subscription as the browser's page does, from Chrome on Linux.
async fn subscribe(app: &TestApp, token: &str, subscription: &str) -> Result<PushSetup, AppError> {
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

fn urlencode(text: &str) -> String {
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
struct Scene {
    app: TestApp,
    service: PushService,
    origin: String,
    token: String,
}

async fn scene() -> Scene {
    let app = spawn().await;
    let (service, origin) = PushService::start().await;
    let token = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_LINUX, "127.0.0.1").await;
    Scene { app, service, origin, token }
}

/// A browser whose push service is the stand-in, with push turned on from the page.
async fn with_push(app: &TestApp, token: &str, origin: &str, name: &str) -> Device {
    let device = Device::new(origin, name);
    subscribe(app, token, &device.json()).await.unwrap();
    device
}

async fn demo(app: &TestApp) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A "New message" notification for the demo person on HL-2026-014, push on.
async fn notify(app: &TestApp, person: &user::Model, title: &str) -> i32 {
    let smith = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-014"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    preferences::set(&app.state.db, person.id, Event::NewMessage, Method::Push, true)
        .await
        .unwrap();
    let occurrence = Occurrence {
        company_id: smith.company_id,
        event: Event::NewMessage,
        case_id: smith.id,
        task_id: None,
        recipient_id: person.id,
        actor_id: None,
        title: title.into(),
        body: "Jordan Smith: Can we move Thursday's meeting?".into(),
    };
    dispatcher::dispatch(&app.state.db, &occurrence).await.unwrap().unwrap().notification_id
}

async fn push_delivery(app: &TestApp, notification_id: i32) -> delivery::Model {
    delivery::Entity::find()
        .filter(delivery::Column::NotificationId.eq(notification_id))
        .filter(delivery::Column::Method.eq("push"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn device_count(app: &TestApp) -> usize {
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

#[tokio::test]
async fn subscriptions_are_checked_listed_per_device_and_end_with_their_session() {
    let Scene { app, origin, token, .. } = scene().await;
    let device = Device::new(&origin, "desk");

    // What a browser would never send, and endpoints the server must not be pointed at.
    let keys = serde_json::from_str::<serde_json::Value>(&device.json()).unwrap()["keys"].clone();
    for bad in [
        "not json".to_owned(),
        serde_json::json!({ "endpoint": "http://push.example.com/x", "keys": keys }).to_string(),
        serde_json::json!({ "endpoint": "https://10.1.2.3/x", "keys": keys }).to_string(),
        serde_json::json!({ "endpoint": "https://169.254.169.254/latest", "keys": keys }).to_string(),
        serde_json::json!({ "endpoint": device.endpoint, "keys": { "p256dh": "BAAA", "auth": keys["auth"] } }).to_string(),
        serde_json::json!({ "endpoint": device.endpoint, "keys": { "p256dh": keys["p256dh"], "auth": "c2hvcnQ" } }).to_string(),
    ] {
        let err = subscribe(&app, &token, &bad).await.unwrap_err();
        assert!(matches!(&err, AppError::Rejected(text) if text.contains("Push is not on for this device")), "{bad}: {err:?}");
    }
    assert_eq!(device_count(&app).await, 0);
    let signed_out =
        app.call::<SavePushSubscription>(&[("subscription", &device.json())], None).await;
    assert_eq!(signed_out.app_error(), AppError::Unauthorized);

    subscribe(&app, &token, &device.json()).await.unwrap();
    // The same browser subscribing again (it keeps one subscription per site) is one device.
    subscribe(&app, &token, &device.json()).await.unwrap();
    assert_eq!(device_count(&app).await, 1);

    // Another session of the same person sees it, not as "this device".
    let other = app
        .sign_in_with(
            DEMO_EMAIL,
            DEMO_PASSWORD,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
            "127.0.0.2",
        )
        .await;
    let seen: PushSetup = app.call::<GetPushSetup>(&[], Some(&other)).await.json();
    assert_eq!(seen.devices.len(), 1);
    assert!(!seen.devices[0].this_device);
    let here: PushSetup = app.call::<GetPushSetup>(&[], Some(&token)).await.json();
    assert!(here.devices[0].this_device);

    // Someone else's device is "not found" to the demo person.
    let priya = user::Entity::find()
        .filter(user::Column::FullName.eq("Priya Shah"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let theirs = push_subscription::ActiveModel {
        user_id: Set(priya.id),
        session_id: Set(push_subscription::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .session_id),
        endpoint: Set(format!("{origin}/push/priya")),
        p256dh: Set(keys["p256dh"].as_str().unwrap().to_owned()),
        auth: Set(keys["auth"].as_str().unwrap().to_owned()),
        device_name: Set("Firefox 133 on Windows 10".into()),
        created_at: Set(Utc::now()),
        last_success_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let reply = app.call::<RemovePushDevice>(&[("id", &theirs.id.to_string())], Some(&token)).await;
    assert_eq!(reply.app_error(), AppError::NotFound);
    push_subscription::Entity::delete_by_id(theirs.id).exec(&app.state.db).await.unwrap();

    // Removed from another session of the same person.
    let mine = here.devices[0].id;
    let after: PushSetup =
        app.call::<RemovePushDevice>(&[("id", &mine.to_string())], Some(&other)).await.json();
    assert!(after.devices.is_empty());

    // Signing out of the device ends its push subscription with the session.
    subscribe(&app, &token, &device.json()).await.unwrap();
    assert_eq!(device_count(&app).await, 1);
    let reply = app.call::<SignOut>(&[], Some(&token)).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(device_count(&app).await, 0, "no pushes to a device nobody is signed in to");
}

#[tokio::test]
async fn a_subscription_the_browser_renews_is_stored_from_the_service_worker() {
    let Scene { app, origin, token, .. } = scene().await;
    // public/sw.js posts the renewed subscription to this path, as a form, same-origin.
    assert_eq!(SavePushSubscription::PATH, "/api/push/subscription");
    let sw_source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../public/sw.js")).unwrap();
    assert!(
        sw_source.contains("fetch('/api/push/subscription'"),
        "the service worker posts to the server function's path"
    );

    let renewed = Device::new(&origin, "renewed");
    let body = format!("subscription={}", urlencode(&renewed.json()));
    let mut request = axum::http::Request::post("/api/push/subscription")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, format!("kayse_session={token}"))
        .header(header::USER_AGENT, CHROME_LINUX)
        .header(header::ORIGIN, "http://kayse.test:3000")
        .header(header::HOST, "kayse.test:3000")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(from_address("127.0.0.1"));
    let reply = app.send(request).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.text());
    let stored = push_subscription::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(stored.endpoint, renewed.endpoint);
}

#[tokio::test]
async fn the_vapid_key_is_made_once_and_kept() {
    let app = spawn().await;
    let again = app::backend::push::sender::load_or_create_key(&app.state.db).await.unwrap();
    assert_eq!(
        again.public_base64url(),
        app.state.push.public_key(),
        "a restart keeps the key browsers subscribed with"
    );
    let public = B64.decode(app.state.push.public_key()).unwrap();
    assert_eq!((public.len(), public[0]), (65, 4), "an uncompressed P-256 point");
}

#[tokio::test]
async fn a_test_push_arrives_at_once_and_not_too_often() {
    let Scene { app, service, origin, token } = scene().await;
    let desk = Device::new(&origin, "desk");
    let old_phone = Device::new(&origin, "old-phone");
    let setup = subscribe(&app, &token, &desk.json()).await.unwrap();
    let desk_id = setup.devices[0].id;
    let setup = subscribe(&app, &token, &old_phone.json()).await.unwrap();
    let old_phone_id = setup.devices.iter().find(|d| d.id != desk_id).unwrap().id;

    let sent: TestPush =
        app.call::<SendTestPush>(&[("id", &desk_id.to_string())], Some(&token)).await.json();
    assert!(sent.delivered, "{}", sent.message);
    assert_eq!(sent.message, "Sent. It should appear on Chrome 131 on Linux within a few seconds.");
    let pushes = service.received_by("desk");
    assert_eq!(pushes.len(), 1);
    let message = open(&pushes[0], &desk, app.state.push.public_key(), &origin);
    assert_eq!(message["title"], "Test notification from Kayse");
    assert_eq!(message["body"], "Push works on Chrome 131 on Linux.");
    assert!(service.received_by("old-phone").is_empty(), "only the chosen device");

    // Not again within 30 seconds.
    let again = app.call::<SendTestPush>(&[("id", &desk_id.to_string())], Some(&token)).await;
    assert!(
        matches!(again.app_error(), AppError::RateLimited { retry_after_seconds } if retry_after_seconds <= 30)
    );
    assert_eq!(service.received_by("desk").len(), 1);

    // A device its push service calls gone is removed, and the list says so.
    service.answer("old-phone", &[410]);
    let gone: TestPush =
        app.call::<SendTestPush>(&[("id", &old_phone_id.to_string())], Some(&token)).await.json();
    assert!(!gone.delivered);
    assert!(gone.message.contains("was removed"), "{}", gone.message);
    assert_eq!(gone.setup.devices.iter().map(|d| d.id).collect::<Vec<_>>(), vec![desk_id]);

    // Only one's own devices.
    let missing =
        app.call::<SendTestPush>(&[("id", &old_phone_id.to_string())], Some(&token)).await;
    assert_eq!(missing.app_error(), AppError::NotFound);
}
