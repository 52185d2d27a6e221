//! Where signing in leads: `next` is followed only to a path of this site, through the
//! JavaScript path, the plain form post and the second step alike, and no `next` can make
//! a handler fail (a control character once panicked it after the session was written).

use app::auth::api::SignIn;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, spawn};
use crate::security_tab::{PENDING, enable_two_factor, next_code, second_step};

const HOSTILE: [&str; 12] = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\u{1}",
    "/%01",
    "/a\u{7f}b",
    "/api/sign_out123",
];

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(
            |b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

/// The sign-in form posted without JavaScript: the browser follows the redirect.
async fn plain_form_sign_in(app: &TestApp, next: &str) -> crate::harness::Reply {
    let body = format!(
        "email={}&password={}&next={}",
        encode(DEMO_EMAIL),
        encode(DEMO_PASSWORD),
        encode(next)
    );
    let request = Request::post(SignIn::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::HOST, "kayse.test:3000")
        .header(header::ORIGIN, "http://kayse.test:3000")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn is_local(location: &str) -> bool {
    location.starts_with('/') && !location.starts_with("//") && !location.contains('\\')
}

#[tokio::test]
async fn hostile_next_values_lead_home_on_every_path() {
    let app = spawn().await;
    for next in HOSTILE {
        let scripted = app
            .call::<SignIn>(
                &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD), ("next", next)],
                None,
            )
            .await;
        assert!(scripted.status.is_success(), "{next:?}: {} {}", scripted.status, scripted.text());
        let location = scripted.header("location").unwrap();
        assert!(
            location == "/" || (is_local(&location) && !location.contains("evil")),
            "{next:?} led to {location}"
        );

        let plain = plain_form_sign_in(&app, next).await;
        assert_eq!(plain.status, StatusCode::FOUND, "{next:?}: {}", plain.text());
        let location = plain.header("location").unwrap();
        assert!(
            location == "/" || (is_local(&location) && !location.contains("evil")),
            "{next:?} led to {location}"
        );
    }
    // A real path on this site is kept.
    let kept = plain_form_sign_in(&app, "/settings/security?x=1").await;
    assert_eq!(kept.header("location").as_deref(), Some("/settings/security?x=1"));
}

#[tokio::test]
async fn the_second_step_follows_only_what_the_first_accepted() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, backup) = enable_two_factor(&app, &mut token).await;
    for (i, next) in ["/\t/evil.example", "/\u{1}", "/cases/1"].into_iter().enumerate() {
        let ip = format!("198.51.100.{}", 20 + i);
        let first = app
            .call_from::<SignIn>(
                &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD), ("next", next)],
                None,
                &ip,
            )
            .await;
        let pending = first.cookie(PENDING).expect("a pending sign-in");
        // Each sign-in needs a code not used before: the app's next one, then backup codes.
        let code = if i == 0 { next_code(&secret) } else { backup[i].clone() };
        let done = second_step(&app, &pending, &code, &ip).await;
        assert!(done.status.is_success(), "{next:?}: {} {}", done.status, done.text());
        // An app code redirects at once; a backup code first says how many are left, and
        // the page then goes where `next` says.
        let verified: app::auth::api::SignInVerified = done.json();
        let location = done.header("location").unwrap_or(verified.next);
        let expected = if next == "/cases/1" { "/cases/1" } else { "/" };
        assert_eq!(location, expected, "{next:?}");
    }
}
