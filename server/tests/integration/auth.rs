//! Signing in and out through the real router: sessions, guessing limits, redirects.

use app::auth::api::{SignIn, SignOut};
use app::backend::entities::session;
use app::backend::tokens::hash_token;
use app::error::AppError;
use app::profile::api::GetProfile;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn};

#[tokio::test]
async fn signing_in_sets_a_hardened_cookie_and_stores_only_the_token_hash() {
    let app = spawn().await;
    let reply = app
        .call::<SignIn>(
            &[
                ("email", "  Demo@Kayse.TEST "),
                ("password", DEMO_PASSWORD),
                ("next", "/settings/profile"),
            ],
            None,
        )
        .await;
    let cookie = reply.header("set-cookie").expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    let token = reply.session_token().unwrap();
    assert_eq!(token.len(), 64, "256 bits, hex");

    let rows = session::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].token_hash, hash_token(&token));
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(rows[0].client_address, "127.0.0.1");

    // A second sign-in gets a new token.
    assert_ne!(app.sign_in_demo().await, token);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn().await;
    let wrong_password = app
        .call::<SignIn>(&[("email", DEMO_EMAIL), ("password", "not-it"), ("next", "")], None)
        .await;
    let unknown = app
        .call::<SignIn>(
            &[("email", "nobody@kayse.test"), ("password", DEMO_PASSWORD), ("next", "")],
            None,
        )
        .await;
    assert_eq!(wrong_password.app_error(), AppError::InvalidCredentials);
    assert_eq!(unknown.app_error(), AppError::InvalidCredentials);
    assert_eq!(wrong_password.status, unknown.status);
    assert!(wrong_password.session_token().is_none());
    assert_eq!(AppError::InvalidCredentials.to_string(), "Email or password is incorrect.");
}

#[tokio::test]
async fn repeated_failures_lock_unknown_clients_out_even_with_the_right_password() {
    let app = spawn().await;
    for _ in 0..5 {
        let reply = app
            .call::<SignIn>(&[("email", DEMO_EMAIL), ("password", "guess"), ("next", "")], None)
            .await;
        assert_eq!(reply.app_error(), AppError::InvalidCredentials);
    }
    let sixth = app
        .call::<SignIn>(&[("email", DEMO_EMAIL), ("password", "guess"), ("next", "")], None)
        .await;
    assert_eq!(sixth.app_error(), AppError::RateLimited { retry_after_seconds: 30 });
    assert_eq!(sixth.app_error().to_string(), "Too many attempts. Try again in 30 seconds.");
    // From another address too: a client the account never signed in from waits (one it
    // did sign in from does not: guessing_limits.rs).
    let right = app
        .call_from::<SignIn>(
            &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD), ("next", "")],
            None,
            "198.51.100.7",
        )
        .await;
    assert!(matches!(right.app_error(), AppError::RateLimited { .. }));
    assert!(right.session_token().is_none());
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_slowed_down() {
    let app = spawn().await;
    for i in 0..20 {
        let email = format!("person{i}@kayse.test");
        let reply = app
            .call_from::<SignIn>(
                &[("email", &email), ("password", "guess"), ("next", "")],
                None,
                "203.0.113.5",
            )
            .await;
        assert_eq!(reply.app_error(), AppError::InvalidCredentials);
    }
    let next = app
        .call_from::<SignIn>(
            &[("email", "other@kayse.test"), ("password", "guess"), ("next", "")],
            None,
            "203.0.113.5",
        )
        .await;
    assert!(matches!(next.app_error(), AppError::RateLimited { .. }));
    // Another address is not affected.
    let elsewhere = app
        .call_from::<SignIn>(
            &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD), ("next", "")],
            None,
            "192.0.2.1",
        )
        .await;
    assert!(elsewhere.session_token().is_some());
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let app = spawn().await;
    let reply = app.get("/settings/profile", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location").unwrap(), "/sign-in?next=/settings/profile");
    let sign_in_page = app.get("/sign-in", None).await;
    assert_eq!(sign_in_page.status, StatusCode::OK);
    assert!(sign_in_page.text().contains("Sign in to Kayse"));

    let token = app.sign_in_demo().await;
    let page = app.get("/settings/profile", Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Profile Settings"));
    assert_eq!(app.get("/sign-in", Some(&token)).await.header("location").as_deref(), Some("/"));
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    assert!(app.call::<GetProfile>(&[], Some(&token)).await.status.is_success());

    let reply = app.call::<SignOut>(&[], Some(&token)).await;
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert!(session::Entity::find().all(&app.state.db).await.unwrap().is_empty());

    // The old cookie, replayed, is worth nothing.
    assert_eq!(app.call::<GetProfile>(&[], Some(&token)).await.app_error(), AppError::Unauthorized);
    let page = app.get("/settings/profile", Some(&token)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.header("set-cookie").unwrap().contains("Max-Age=0"),
        "the stale cookie is cleared"
    );
}

#[tokio::test]
async fn expired_and_idle_sessions_are_refused() {
    let app = spawn().await;
    let absolute = app.sign_in_demo().await;
    let idle = app.sign_in_demo().await;
    let now = chrono::Utc::now();
    for row in session::Entity::find().all(&app.state.db).await.unwrap() {
        let mut active = row.clone().into_active_model();
        if row.token_hash == hash_token(&absolute) {
            active.expires_at = Set(now - chrono::Duration::seconds(1));
        } else {
            active.last_seen_at = Set(now - chrono::Duration::days(8));
        }
        active.update(&app.state.db).await.unwrap();
    }
    for token in [absolute, idle] {
        assert_eq!(
            app.call::<GetProfile>(&[], Some(&token)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert!(
        session::Entity::find().all(&app.state.db).await.unwrap().is_empty(),
        "expired rows are deleted"
    );
}

#[tokio::test]
async fn a_forged_or_unknown_token_is_refused() {
    let app = spawn().await;
    let forged = "ab".repeat(32);
    assert_eq!(
        app.call::<GetProfile>(&[], Some(&forged)).await.app_error(),
        AppError::Unauthorized
    );
    assert_eq!(app.call::<GetProfile>(&[], None).await.app_error(), AppError::Unauthorized);
}

#[tokio::test]
async fn a_storm_of_sign_ins_is_hashed_a_few_at_a_time_and_the_server_keeps_answering() {
    use app::backend::cpu_pool::CpuPool;
    let app = spawn().await;
    let storm = (0..200).map(|i| {
        let app = &app;
        async move {
            let ip = format!("198.18.{}.{}", i / 250, i % 250 + 1);
            let password = if i % 2 == 0 { DEMO_PASSWORD } else { "a-wrong-guess-1234" };
            app.call_from::<SignIn>(
                &[("email", DEMO_EMAIL), ("password", password), ("next", "")],
                None,
                &ip,
            )
            .await
        }
    });
    let health = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        app.get("/healthz", None).await
    };
    let (replies, health) = tokio::join!(futures_util::future::join_all(storm), health);
    assert_eq!(health.status, StatusCode::OK, "other requests are still served");
    for reply in &replies {
        assert!(
            reply.status.is_success() || matches!(reply.status.as_u16(), 401 | 429 | 503),
            "{}: {}",
            reply.status,
            reply.text()
        );
    }
    let pool = CpuPool::shared();
    assert!(
        pool.most_at_once() <= pool.size(),
        "{} at once, pool of {}",
        pool.most_at_once(),
        pool.size()
    );
}
