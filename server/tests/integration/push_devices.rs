//! Push devices through the real router: subscriptions checked and listed per device,
//! ended with their session, renewed by the service worker, "Send test", and the VAPID key.

use axum::body::Body;
use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Utc;
use leptos::server_fn::ServerFn;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use app::auth::api::SignOut;
use app::backend::entities::{push_subscription, user};
use app::error::AppError;
use app::notifications::push::api::{
    GetPushSetup, PushSetup, RemovePushDevice, SavePushSubscription, SendTestPush, TestPush,
};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, from_address, spawn};
use crate::push::{CHROME_LINUX, Scene, device_count, scene, subscribe, urlencode};
use crate::push_service::{Device, open};

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
async fn twenty_test_pushes_sent_at_once_push_once() {
    let Scene { app, service, origin, token } = scene().await;
    let desk = Device::new(&origin, "desk");
    let desk_id = subscribe(&app, &token, &desk.json()).await.unwrap().devices[0].id.to_string();
    let form = [("id", desk_id.as_str())];
    let burst = (0..20).map(|_| app.call::<SendTestPush>(&form, Some(&token)));
    let replies = futures_util::future::join_all(burst).await;
    let sent = replies.iter().filter(|r| r.status.is_success()).count();
    let limited = replies
        .iter()
        .filter(|r| matches!(r.app_error_if_any(), Some(AppError::RateLimited { .. })))
        .count();
    assert_eq!((sent, limited), (1, 19), "one test push per device per interval, however sent");
    assert_eq!(service.received_by("desk").len(), 1);
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

#[tokio::test]
async fn a_device_moves_to_another_person_only_from_the_same_browser() {
    let Scene { app, origin, token, .. } = scene().await;
    let desk = Device::new(&origin, "desk");
    subscribe(&app, &token, &desk.json()).await.unwrap();

    // A second person of the firm, signed in elsewhere.
    let demo = user::Entity::find_by_id(1).one(&app.state.db).await.unwrap().unwrap();
    let mut other = sea_orm::IntoActiveModel::into_active_model(demo.clone());
    other.id = sea_orm::ActiveValue::NotSet;
    other.email = Set("someone@kayse.test".into());
    let someone = other.insert(&app.state.db).await.unwrap();
    let theirs =
        app.sign_in_with("someone@kayse.test", DEMO_PASSWORD, CHROME_LINUX, "127.0.0.1").await;

    // Knowing the endpoint is not enough: other keys are refused, and the device stays.
    let impostor = Device::new(&origin, "desk");
    assert_eq!(impostor.endpoint, desk.endpoint);
    let refused = subscribe(&app, &theirs, &impostor.json()).await.unwrap_err();
    assert!(matches!(refused, AppError::Rejected(_)), "{refused:?}");
    let row = push_subscription::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.user_id, demo.id, "the device still belongs to its owner");

    // The same browser (a shared computer, the next person signed in) moves it.
    subscribe(&app, &theirs, &desk.json()).await.unwrap();
    let row = push_subscription::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.user_id, someone.id);
    assert_eq!(device_count(&app).await, 1);
}
