//! The Sessions tab: listing, ending one or all others, expiry and live sign-out.

use std::time::Duration;

use app::auth::api::SignIn;
use app::backend::entities::{session, user};
use app::backend::tokens::hash_token;
use app::error::AppError;
use app::profile::api::GetProfile;
use app::sessions::api::{EndOtherSessions, EndSession, ListSessions, SessionList};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, spawn};

const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

pub(crate) async fn session_row(app: &TestApp, token: &str) -> session::Model {
    session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn list(app: &TestApp, token: &str) -> SessionList {
    app.call::<ListSessions>(&[], Some(token)).await.json()
}

/// A second staff member, to prove one user cannot touch another's sessions.
pub(crate) async fn other_user(app: &TestApp) -> String {
    let demo = user::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut other = demo.into_active_model();
    other.id = sea_orm::ActiveValue::NotSet;
    other.email = Set("other@kayse.test".into());
    other.full_name = Set("Other Person".into());
    other.insert(&app.state.db).await.unwrap();
    app.sign_in_with("other@kayse.test", DEMO_PASSWORD, FIREFOX_LINUX, "192.0.2.44").await
}

#[tokio::test]
async fn the_list_shows_exactly_the_users_live_sessions() {
    let app = spawn().await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    let expired = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, FIREFOX_LINUX, "203.0.113.10").await;
    let mut row = session_row(&app, &expired).await.into_active_model();
    row.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    row.update(&app.state.db).await.unwrap();
    other_user(&app).await;

    let listed = list(&app, &laptop).await;
    assert_eq!(listed.sessions.len(), 2, "{:?}", listed.sessions);
    let current = &listed.sessions[0];
    assert!(current.current, "the current session comes first");
    assert_eq!(current.browser, "Chrome 131");
    assert_eq!(current.device, "Desktop");
    assert_eq!(current.address, "203.0.113.10");
    assert_eq!(current.company.as_deref(), Some("Harper & Lowe LLP"));
    let other = &listed.sessions[1];
    assert!(!other.current);
    assert_eq!(
        (other.browser.as_str(), other.os.as_str(), other.device.as_str()),
        ("Safari 17", "iPhone", "Mobile")
    );
    assert!(
        other.signed_in.ends_with("EST") || other.signed_in.ends_with("EDT"),
        "in the user's timezone: {}",
        other.signed_in
    );
    assert_eq!(other.id, session_row(&app, &phone).await.id);
    assert!(listed.password_fresh, "the password was just entered at sign-in");
}

#[tokio::test]
async fn signing_out_one_session_ends_it_at_once() {
    let app = spawn().await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    let phone_id = session_row(&app, &phone).await.id.to_string();

    let reply = app.call::<EndSession>(&[("id", &phone_id)], Some(&laptop)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    assert_eq!(app.call::<GetProfile>(&[], Some(&phone)).await.app_error(), AppError::Unauthorized);
    assert_eq!(
        app.get("/settings/profile", Some(&phone)).await.status,
        axum::http::StatusCode::SEE_OTHER
    );
    assert!(app.call::<GetProfile>(&[], Some(&laptop)).await.status.is_success());

    // The current session is not ended from this list.
    let own_id = session_row(&app, &laptop).await.id.to_string();
    assert!(matches!(
        app.call::<EndSession>(&[("id", &own_id)], Some(&laptop)).await.app_error(),
        AppError::Rejected(_)
    ));
}

#[tokio::test]
async fn signing_out_all_others_keeps_the_current_one() {
    let app = spawn().await;
    let current = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let b = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    let c = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, FIREFOX_LINUX, "192.0.2.7").await;
    let someone_else = other_user(&app).await;

    let ended: u64 = app.call::<EndOtherSessions>(&[], Some(&current)).await.json();
    assert_eq!(ended, 2);
    for token in [&b, &c] {
        assert_eq!(
            app.call::<GetProfile>(&[], Some(token)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert!(app.call::<GetProfile>(&[], Some(&current)).await.status.is_success());
    assert!(
        app.call::<GetProfile>(&[], Some(&someone_else)).await.status.is_success(),
        "other users are untouched"
    );
    assert_eq!(list(&app, &current).await.sessions.len(), 1);
}

#[tokio::test]
async fn another_users_session_is_not_found_and_untouched() {
    let app = spawn().await;
    let mine = app.sign_in_demo().await;
    let theirs = other_user(&app).await;
    let their_id = session_row(&app, &theirs).await.id.to_string();
    assert_eq!(
        app.call::<EndSession>(&[("id", &their_id)], Some(&mine)).await.app_error(),
        AppError::NotFound
    );
    assert_eq!(
        app.call::<EndSession>(&[("id", "999999")], Some(&mine)).await.app_error(),
        AppError::NotFound
    );
    assert!(app.call::<GetProfile>(&[], Some(&theirs)).await.status.is_success());
}

#[tokio::test]
async fn ending_sessions_needs_a_recent_password() {
    let app = spawn().await;
    let current = app.sign_in_demo().await;
    let other = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    let other_id = session_row(&app, &other).await.id.to_string();
    let mut row = session_row(&app, &current).await.into_active_model();
    row.password_confirmed_at = Set(chrono::Utc::now() - chrono::Duration::minutes(11));
    row.update(&app.state.db).await.unwrap();

    assert!(!list(&app, &current).await.password_fresh);
    assert_eq!(
        app.call::<EndSession>(&[("id", &other_id)], Some(&current)).await.app_error(),
        AppError::ReauthRequired
    );
    assert_eq!(
        app.call::<EndOtherSessions>(&[], Some(&current)).await.app_error(),
        AppError::ReauthRequired
    );
    let wrong =
        app.call::<EndSession>(&[("id", &other_id), ("password", "nope")], Some(&current)).await;
    assert!(wrong.app_error().message_for("password").is_some());
    assert!(
        app.call::<GetProfile>(&[], Some(&other)).await.status.is_success(),
        "nothing ended yet"
    );

    let right = app
        .call::<EndSession>(&[("id", &other_id), ("password", DEMO_PASSWORD)], Some(&current))
        .await;
    assert!(right.status.is_success(), "{}", right.text());
    // Entering the password gave the session a fresh token: a copy of the old cookie is
    // worth nothing now.
    let renewed = right.session_token().expect("a fresh session cookie");
    assert_ne!(renewed, current);
    assert_eq!(
        app.call::<GetProfile>(&[], Some(&current)).await.app_error(),
        AppError::Unauthorized
    );
    assert!(
        list(&app, &renewed).await.password_fresh,
        "the password now counts as recently entered"
    );
}

#[tokio::test]
async fn signing_in_again_in_the_same_browser_ends_its_old_session() {
    let app = spawn().await;
    let first = app.sign_in_demo().await;
    let body = format!("email={}&password={DEMO_PASSWORD}&next=", DEMO_EMAIL.replace('@', "%40"));
    let request =
        crate::harness::browser_post::<SignIn>("application/x-www-form-urlencoded", Some(&first))
            .body(Body::from(body))
            .unwrap();
    let again = app.send(request).await;
    let second = again.session_token().expect("a new session");
    assert_ne!(second, first);
    assert_eq!(app.call::<GetProfile>(&[], Some(&first)).await.app_error(), AppError::Unauthorized);
    assert!(app.call::<GetProfile>(&[], Some(&second)).await.status.is_success());
    assert_eq!(
        session::Entity::find().all(&app.state.db).await.unwrap().len(),
        1,
        "the old row is gone"
    );
}

#[tokio::test]
async fn last_active_is_written_at_most_once_a_minute() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let first = session_row(&app, &token).await.last_seen_at;
    app.call::<GetProfile>(&[], Some(&token)).await;
    app.call::<GetProfile>(&[], Some(&token)).await;
    assert_eq!(session_row(&app, &token).await.last_seen_at, first, "not on every request");

    let mut row = session_row(&app, &token).await.into_active_model();
    let two_minutes_ago = chrono::Utc::now() - chrono::Duration::minutes(2);
    row.last_seen_at = Set(two_minutes_ago);
    row.update(&app.state.db).await.unwrap();
    // Written behind the app's back: its session cache is told, as the app tells it.
    app.state.sessions.clear();
    app.call::<GetProfile>(&[], Some(&token)).await;
    assert!(session_row(&app, &token).await.last_seen_at > two_minutes_ago);
}

#[tokio::test]
async fn the_cleanup_job_deletes_only_expired_sessions() {
    let app = spawn().await;
    let live = app.sign_in_demo().await;
    let old = app.sign_in_demo().await;
    let idle = app.sign_in_demo().await;
    let now = chrono::Utc::now();
    let mut row = session_row(&app, &old).await.into_active_model();
    row.expires_at = Set(now - chrono::Duration::seconds(1));
    row.update(&app.state.db).await.unwrap();
    let mut row = session_row(&app, &idle).await.into_active_model();
    row.last_seen_at = Set(now - chrono::Duration::days(8));
    row.update(&app.state.db).await.unwrap();

    let deleted = app::backend::session_store::delete_expired(&app.state.db, &app.state.config)
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(session::Entity::find().all(&app.state.db).await.unwrap().len(), 1);
    assert!(app.call::<GetProfile>(&[], Some(&live)).await.status.is_success());
}

#[tokio::test]
async fn an_open_page_is_told_at_once_when_its_session_ends() {
    let app = spawn().await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    let phone_id = session_row(&app, &phone).await.id.to_string();

    let stream = app.get_streaming("/live", &phone).await;
    let reader = tokio::spawn(read_until_signed_out(stream));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!reader.is_finished(), "a live session gets no event");
    assert!(app.call::<EndSession>(&[("id", &phone_id)], Some(&laptop)).await.status.is_success());
    let received = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the event arrives")
        .unwrap();
    assert!(received.contains("event: signed-out"), "{received}");
    // Browsers silently drop an event whose data is empty.
    assert!(
        received
            .lines()
            .any(|line| line.strip_prefix("data:").is_some_and(|d| !d.trim().is_empty())),
        "{received}"
    );

    // A page whose session is already gone is told straight away.
    let gone = app.get_streaming("/live", &phone).await;
    let received = tokio::time::timeout(Duration::from_secs(10), read_until_signed_out(gone))
        .await
        .expect("at once");
    assert!(received.contains("event: signed-out"));
}

async fn read_until_signed_out(mut body: Body) -> String {
    let mut seen = String::new();
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen.push_str(&String::from_utf8_lossy(data));
            if seen.contains("signed-out") {
                break;
            }
        }
    }
    seen
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_reported_to_the_account_email() {
    let app = spawn().await;
    const SUBJECT: &str = "New sign-in to your Kayse account";
    app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let notices = app.outbox_with_subject(SUBJECT);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["to"], DEMO_EMAIL);
    let text = notices[0]["text"].as_str().unwrap();
    assert!(text.contains("Chrome 131") && text.contains("203.0.113.10"), "{text}");
    assert_eq!(notices[0]["links"][0], "http://kayse.test:3000/settings/sessions");
    let wasnt_me = notices[0]["links"][1].as_str().unwrap();
    assert!(wasnt_me.starts_with("http://kayse.test:3000/secure-account?token="), "{wasnt_me}");

    // The same browser, system and address again: nothing new.
    app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    assert_eq!(app.outbox_with_subject(SUBJECT).len(), 1);
    // Another address, or another browser: new.
    app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "198.51.100.99").await;
    app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "203.0.113.10").await;
    assert_eq!(app.outbox_with_subject(SUBJECT).len(), 3);
    // A failed sign-in reports nothing.
    app.call::<SignIn>(&[("email", DEMO_EMAIL), ("password", "wrong"), ("next", "")], None).await;
    assert_eq!(app.outbox_with_subject(SUBJECT).len(), 3);
}

impl TestApp {
    /// Starts a GET and returns the response body as it streams.
    pub async fn get_streaming(&self, path: &str, token: &str) -> Body {
        use tower::ServiceExt;
        let mut request = Request::get(path)
            .header("cookie", format!("kayse_session={token}"))
            .body(Body::empty())
            .unwrap();
        request.extensions_mut().insert(crate::harness::from_address("127.0.0.1"));
        let response = self.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), axum::http::StatusCode::OK);
        response.into_body()
    }
}

#[tokio::test]
async fn one_query_rechecks_every_open_page_and_ends_only_the_gone_sessions() {
    let app = spawn().await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    // Two pages on the laptop, one on the phone.
    let laptop_pages = [
        tokio::spawn(read_until_signed_out(app.get_streaming("/live", &laptop).await)),
        tokio::spawn(read_until_signed_out(app.get_streaming("/live", &laptop).await)),
    ];
    let phone_page = tokio::spawn(read_until_signed_out(app.get_streaming("/live", &phone).await));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut watched = app.state.live.watched_sessions();
    watched.sort();
    assert_eq!(watched.len(), 2, "one entry per session, however many pages");

    // Another instance (or the expiry) ends the phone's session: no event is published here.
    session::Entity::delete_by_id(session_row(&app, &phone).await.id)
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(server::live::recheck_open_sessions(&app.state).await.unwrap(), 1);
    let received = tokio::time::timeout(Duration::from_secs(10), phone_page)
        .await
        .expect("the phone's page is told")
        .unwrap();
    assert!(received.contains("event: signed-out"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(laptop_pages.iter().all(|page| !page.is_finished()), "live sessions are untouched");
    assert_eq!(server::live::recheck_open_sessions(&app.state).await.unwrap(), 0);
    assert_eq!(app.state.live.watched_sessions(), [session_row(&app, &laptop).await.id]);
    for page in laptop_pages {
        page.abort();
    }
}

/// The session cache (SQLite) must never outlive what it caches: each of these requests
/// is answered from the cache first, then the change, then the very next request. (On
/// PostgreSQL, where the cache is off, the same must hold without it.)
#[tokio::test]
async fn a_cached_session_follows_every_change_on_the_next_request() {
    use app::profile::api::ProfileView;
    use app::security::api::ChangePassword;
    let app = spawn().await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, CHROME_WINDOWS, "203.0.113.10").await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, SAFARI_IPHONE, "198.51.100.20").await;
    for token in [&laptop, &phone] {
        assert!(app.call::<GetProfile>(&[], Some(token)).await.status.is_success());
    }
    if app.state.sessions.is_enabled() {
        assert_eq!(app.state.sessions.len(), 2, "both sessions are cached");
    } else {
        assert!(on_postgres(), "only PostgreSQL reads every session");
    }

    // Ended from another device: refused at once.
    let phone_id = session_row(&app, &phone).await.id.to_string();
    assert!(app.call::<EndSession>(&[("id", &phone_id)], Some(&laptop)).await.status.is_success());
    assert_eq!(app.call::<GetProfile>(&[], Some(&phone)).await.app_error(), AppError::Unauthorized);

    // A saved name shows on the next read.
    let parts = vec![
        crate::harness::Part::Text("full_name", "Alexandra Morgan".into()),
        crate::harness::Part::Text("phone", "".into()),
        crate::harness::Part::Text("timezone", "Europe/Paris".into()),
        crate::harness::Part::Text("remove_photo", "false".into()),
    ];
    let saved = app.call_multipart::<app::profile::api::SaveProfile>(&parts, Some(&laptop)).await;
    assert!(saved.status.is_success(), "{}", saved.text());
    let read: ProfileView = app.call::<GetProfile>(&[], Some(&laptop)).await.json();
    assert_eq!(read.full_name, "Alexandra Morgan");

    // A pending email change shows on the next read, and goes when cancelled.
    let requested = app
        .call::<app::profile::api::RequestEmailChange>(
            &[("new_email", "alex.new@kayse.test"), ("current_password", DEMO_PASSWORD)],
            Some(&laptop),
        )
        .await;
    assert!(requested.status.is_success(), "{}", requested.text());
    let read: ProfileView = app.call::<GetProfile>(&[], Some(&laptop)).await.json();
    assert_eq!(read.pending_email.map(|p| p.new_email).as_deref(), Some("alex.new@kayse.test"));
    let cancelled = app.call::<app::profile::api::CancelEmailChange>(&[], Some(&laptop)).await;
    assert!(cancelled.status.is_success(), "{}", cancelled.text());
    let read: ProfileView = app.call::<GetProfile>(&[], Some(&laptop)).await.json();
    assert!(read.pending_email.is_none());

    // A new password rotates the token: the old one is refused at once.
    let changed = app
        .call::<ChangePassword>(
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Quill-Harbor-Rotated-5531"),
                ("confirm_password", "Quill-Harbor-Rotated-5531"),
                ("sign_out_others", "false"),
            ],
            Some(&laptop),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    let rotated = changed.session_token().expect("a new session cookie");
    assert_eq!(
        app.call::<GetProfile>(&[], Some(&laptop)).await.app_error(),
        AppError::Unauthorized
    );
    assert!(app.call::<GetProfile>(&[], Some(&rotated)).await.status.is_success());

    // Signed out: refused at once.
    let out = app.call::<app::auth::api::SignOut>(&[], Some(&rotated)).await;
    assert!(out.status.is_success(), "{}", out.text());
    assert_eq!(
        app.call::<GetProfile>(&[], Some(&rotated)).await.app_error(),
        AppError::Unauthorized
    );
}

fn on_postgres() -> bool {
    std::env::var("KAYSE_TEST_POSTGRES_URL").is_ok()
}
