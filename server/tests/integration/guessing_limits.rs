//! Guessing limits under concurrent bursts, the device cookie that keeps the account's
//! owner in while others are locked out, lock-out notices, and client addresses behind a
//! trusted proxy. Every burst fires its requests at the same moment.

use app::auth::api::SignIn;
use app::backend::entities::{security_event, session};
use app::error::AppError;
use app::security::api::ChangePassword;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::harness::{
    DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, encode, from_address, spawn, spawn_configured,
};
use crate::security_tab::{PENDING, enable_two_factor, second_step};

const PAUSED: &str = "Sign-in to your Kayse account was paused";

pub(crate) fn count(replies: &[Reply], what: impl Fn(&Reply) -> bool) -> usize {
    replies.iter().filter(|r| what(r)).count()
}

pub(crate) fn rate_limited(reply: &Reply) -> bool {
    reply.status == StatusCode::TOO_MANY_REQUESTS
        && matches!(reply.app_error(), AppError::RateLimited { .. })
}

async fn events(app: &TestApp, kind: &str) -> u64 {
    security_event::Entity::find()
        .filter(security_event::Column::Kind.eq(kind))
        .count(&app.state.db)
        .await
        .unwrap()
}

/// Signs in from `ip` with a Cookie header (a device cookie, say).
async fn sign_in_with_cookie(app: &TestApp, password: &str, cookie: &str, ip: &str) -> Reply {
    app.call_with_cookie::<SignIn>(
        &[("email", DEMO_EMAIL), ("password", password), ("next", "")],
        cookie,
        ip,
    )
    .await
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_gets_only_the_free_allowance_checked() {
    let app = spawn().await;
    let burst = (0..60).map(|_| app.sign_in_reply(DEMO_EMAIL, "wrong-guess-1234", "203.0.113.44"));
    let replies = join_all(burst).await;
    let checked = count(&replies, |r| r.status == StatusCode::UNAUTHORIZED);
    assert_eq!(checked, 5, "the free allowance, not the whole burst");
    assert_eq!(count(&replies, rate_limited), 55);
    assert_eq!(events(&app, "sign_in_failed").await, 5);
}

#[tokio::test]
async fn a_burst_of_wrong_codes_against_one_pending_sign_in_gets_five_checks() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    enable_two_factor(&app, &mut token).await;
    let reply = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "198.51.100.70").await;
    let pending = reply.cookie(PENDING).expect("a pending sign-in");
    let codes: Vec<String> = (0..60).map(|i| format!("{:06}", 100_000 + i)).collect();
    let burst = codes.iter().map(|code| second_step(&app, &pending, code, "198.51.100.70"));
    let replies = join_all(burst).await;
    let checked = count(&replies, |r| {
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.app_error().message_for("code").is_some()
    });
    assert!(checked <= 5, "{checked} codes were checked");
    assert_eq!(checked + count(&replies, rate_limited), 60);
    assert_eq!(events(&app, "second_factor_failed").await as usize, checked);
}

#[tokio::test]
async fn a_burst_of_wrong_current_passwords_gets_five_checks() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let burst = (0..60).map(|_| {
        app.call::<ChangePassword>(
            &[
                ("current_password", "not-my-password-1"),
                ("new_password", "Brand-New-Harbor-2291"),
                ("confirm_password", "Brand-New-Harbor-2291"),
                ("sign_out_others", "false"),
            ],
            Some(&token),
        )
    });
    let replies = join_all(burst).await;
    let checked = count(&replies, |r| r.app_error().message_for("current_password").is_some());
    assert_eq!(checked, 5);
    assert_eq!(count(&replies, rate_limited), 55);
}

#[tokio::test]
async fn a_burst_of_wrong_api_tokens_is_limited_apart_from_sign_in() {
    let app = spawn().await;
    let wrong = format!("kayse_{}", "0".repeat(64));
    let burst = (0..60).map(|_| {
        let mut request = Request::post("/integrations/v1/messages")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {wrong}"))
            .body(Body::from("{}"))
            .unwrap();
        request.extensions_mut().insert(from_address("192.0.2.90"));
        app.send(request)
    });
    let replies = join_all(burst).await;
    assert_eq!(count(&replies, |r| r.status == StatusCode::UNAUTHORIZED), 20);
    assert_eq!(count(&replies, |r| r.status == StatusCode::TOO_MANY_REQUESTS), 40);
    assert!(replies.iter().any(|r| r.header("retry-after").is_some()));
    // The integrations' limit is their own: people at that address still sign in.
    let person = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "192.0.2.90").await;
    assert!(person.session_token().is_some(), "{}", person.text());
}

#[tokio::test]
async fn an_integration_token_has_a_request_rate() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = crate::integrations_api::api_token(&app, &session).await;
    let limit = server::integrations::REQUESTS_PER_TOKEN_PER_MINUTE as usize;
    let mut last = None;
    for _ in 0..=limit {
        // Not JSON: authenticated, counted and refused without storing anything.
        let reply = crate::integrations_api::post_report(
            &app,
            "/integrations/v1/messages",
            Some(&token),
            "text/plain",
            "x",
        )
        .await;
        last = Some(reply);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS, "{}", last.text());
    assert!(last.text().contains("this token"));
}

#[tokio::test]
async fn guessing_from_elsewhere_never_keeps_the_owner_out_of_a_browser_they_used() {
    let app = spawn().await;
    // The owner signs in once: the browser keeps a device cookie.
    let first = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "192.0.2.10").await;
    let device = first.cookie("kayse_device").expect("a device cookie");
    let set_cookie = first
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kayse_device="))
        .unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));

    // Someone who knows the email guesses from many addresses, at once.
    let burst = (0..40).map(|i| {
        let ip = format!("203.0.113.{}", i + 1);
        let app = &app;
        async move { app.sign_in_reply(DEMO_EMAIL, "wrong-guess-1234", &ip).await }
    });
    let replies = join_all(burst).await;
    assert!(count(&replies, |r| r.status == StatusCode::UNAUTHORIZED) <= 5);

    // An unknown client, even with the right password, waits.
    let stranger = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "198.51.100.99").await;
    assert!(rate_limited(&stranger));
    // The owner's browser, from a new address even, gets in.
    let owner =
        sign_in_with_cookie(&app, DEMO_PASSWORD, &format!("kayse_device={device}"), "192.0.2.77")
            .await;
    assert!(owner.session_token().is_some(), "{} {}", owner.status, owner.text());
    // A made-up device cookie is worth nothing.
    let forged = format!("kayse_device={}", "ab".repeat(32));
    let faker = sign_in_with_cookie(&app, DEMO_PASSWORD, &forged, "198.51.100.98").await;
    assert!(rate_limited(&faker));

    // The lock-out is in the owner's security log, and they were told once.
    assert!(events(&app, "sign_in_locked_out").await >= 1);
    let more = (0..10).map(|i| {
        let ip = format!("203.0.114.{}", i + 1);
        let app = &app;
        async move { app.sign_in_reply(DEMO_EMAIL, "wrong-guess-1234", &ip).await }
    });
    join_all(more).await;
    let notices = app.outbox_with_subject(PAUSED);
    assert_eq!(notices.len(), 1, "one email per lock-out episode");
    assert!(notices[0]["text"].as_str().unwrap().contains("browsers you have signed in with"));
}

#[tokio::test]
async fn a_device_cookie_has_its_own_hard_limit() {
    let app = spawn().await;
    let first = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "192.0.2.10").await;
    let cookie = format!("kayse_device={}", first.cookie("kayse_device").unwrap());
    for _ in 0..5 {
        let wrong = sign_in_with_cookie(&app, "wrong-guess-1234", &cookie, "192.0.2.10").await;
        assert_eq!(wrong.app_error(), AppError::InvalidCredentials);
    }
    let locked = sign_in_with_cookie(&app, DEMO_PASSWORD, &cookie, "192.0.2.10").await;
    assert!(rate_limited(&locked), "a stolen device cookie does not buy unlimited guesses");
}

#[tokio::test]
async fn an_over_long_email_is_refused_before_anything_else() {
    let app = spawn().await;
    let email = format!("{}@kayse.test", "a".repeat(300));
    let reply = app.sign_in_reply(&email, "whatever-1234", "192.0.2.50").await;
    assert!(reply.app_error().message_for("email").is_some(), "{}", reply.text());
    assert_eq!(app.state.password_throttle.len(&app.state.db).await.unwrap(), 0, "nothing counted");
}

/// A sign-in through a proxy at 10.0.0.2 that appends `client` to what the client sent.
async fn via_proxy(
    app: &TestApp,
    peer: &str,
    forwarded: &str,
    email: &str,
    password: &str,
) -> Reply {
    let body = format!("email={}&password={}&next=", encode(email), encode(password));
    let mut request = Request::post(<SignIn as leptos::server_fn::ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(from_address(peer));
    app.send(request).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_and_shown_by_its_own_address() {
    let app =
        spawn_configured("http://kayse.test:3000", "trusted_proxies = [\"10.0.0.0/8\"]").await;
    // The client wrote a made-up first hop; the proxy appended the real address.
    let wrong = via_proxy(&app, "10.0.0.2", "6.6.6.6, 203.0.113.200", DEMO_EMAIL, "wrong-1").await;
    assert_eq!(wrong.app_error(), AppError::InvalidCredentials);
    // Password spraying by 25 clients behind the proxy: each is counted on its own.
    for i in 0..25 {
        let email = format!("person{i}@kayse.test");
        let client = format!("6.6.6.6, 203.0.113.{i}");
        let guess = via_proxy(&app, "10.0.0.2", &client, &email, "wrong-guess-1234").await;
        assert_eq!(guess.app_error(), AppError::InvalidCredentials);
    }
    let ipv6 = via_proxy(&app, "10.0.0.2", "2001:db8:5:6::9", "x@kayse.test", "wrong").await;
    assert_eq!(ipv6.app_error(), AppError::InvalidCredentials, "the proxy is not locked out");
    let failed = security_event::Entity::find()
        .filter(security_event::Column::Kind.eq("sign_in_failed"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.client_address, "203.0.113.200", "the real client is logged");

    let right = via_proxy(&app, "10.0.0.2", "203.0.113.201", DEMO_EMAIL, DEMO_PASSWORD).await;
    assert!(right.session_token().is_some(), "{} {}", right.status, right.text());
    // An untrusted peer's header is ignored: the peer is the client.
    let direct = via_proxy(&app, "198.51.100.1", "192.0.2.200", DEMO_EMAIL, DEMO_PASSWORD).await;
    assert!(direct.session_token().is_some(), "{} {}", direct.status, direct.text());
    let mut addresses: Vec<String> = session::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.client_address)
        .collect();
    addresses.sort();
    assert_eq!(addresses, ["198.51.100.1", "203.0.113.201"]);
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64() {
    let app = spawn().await;
    for i in 0..20 {
        let email = format!("person{i}@kayse.test");
        let reply =
            app.sign_in_reply(&email, "wrong-guess-1234", &format!("2001:db8:7:7::{i:x}")).await;
        assert_eq!(reply.app_error(), AppError::InvalidCredentials);
    }
    let same_64 = app.sign_in_reply("z@kayse.test", "wrong", "2001:db8:7:7:ffff::1").await;
    assert!(rate_limited(&same_64), "a new address in the same /64 is the same client");
    let other_64 = app.sign_in_reply("z@kayse.test", "wrong", "2001:db8:7:8::1").await;
    assert_eq!(other_64.app_error(), AppError::InvalidCredentials);
}
