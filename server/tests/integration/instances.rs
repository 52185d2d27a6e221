//! Several instances on one database (two servers behind a proxy, or one restarted): what
//! one instance counts, claims or announces, every instance sees. With
//! `KAYSE_TEST_POSTGRES_URL` set (scripts/test) these run on PostgreSQL, the deployment
//! several instances are meant for; on SQLite they show the same code holds there too.

use std::time::Duration;

use app::error::AppError;
use app::sessions::api::EndSession;
use futures_util::future::join_all;
use sea_orm::ConnectionTrait;

use crate::guessing_limits::{count, rate_limited};
use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, database_url, spawn};
use crate::integrations_api::{api_token, post_report};
use crate::notification_center::read_until;
use crate::sessions::session_row;

#[tokio::test]
async fn sixty_wrong_passwords_sent_to_two_instances_at_once_get_five_checks() {
    let a = spawn().await;
    let b = a.another_instance().await;
    let burst = (0..60).map(|i| {
        let instance = if i % 2 == 0 { &a } else { &b };
        instance.sign_in_reply(DEMO_EMAIL, "wrong-guess-1234", "203.0.113.44")
    });
    let replies = join_all(burst).await;
    let checked = count(&replies, |r| r.app_error() == AppError::InvalidCredentials);
    assert_eq!(checked, 5, "one allowance for the deployment, not one per instance");
    assert_eq!(count(&replies, rate_limited), 55);
}

#[tokio::test]
async fn a_restart_forgets_no_guess() {
    let before = spawn().await;
    for _ in 0..5 {
        let wrong = before.sign_in_reply(DEMO_EMAIL, "wrong-guess-1234", "203.0.113.45").await;
        assert_eq!(wrong.app_error(), AppError::InvalidCredentials);
    }
    let restarted = before.another_instance().await;
    let reply = restarted.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "203.0.113.45").await;
    assert!(rate_limited(&reply), "still paused after the restart: {}", reply.text());
}

#[tokio::test]
async fn instances_started_together_migrate_one_at_a_time() {
    if !on_postgres() {
        // SQLite serves a single instance; its migrations take no lock.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path()).await;
    let starts = (0..4).map(|_| server::db::connect_and_migrate(&url));
    for started in join_all(starts).await {
        started.expect("every instance starts");
    }
    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    let applied = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    use sea_orm_migration::MigratorTrait;
    assert_eq!(applied as usize, server::migrations::Migrator::migrations().len());
}

#[tokio::test]
async fn readyz_says_ready_only_while_the_database_answers() {
    let app = spawn().await;
    let ready = app.get("/readyz", None).await;
    assert_eq!((ready.status.as_u16(), ready.text().as_str()), (200, "ready"));
    // Closing waits for connections held aside (PostgreSQL's LISTEN one) to come back:
    // the pool refuses new work at once, which is what this needs.
    let db = app.state.db.clone();
    tokio::spawn(async move { db.close().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let gone = app.get("/readyz", None).await;
    assert_eq!(gone.status.as_u16(), 503, "{}", gone.text());
    assert_eq!(gone.text(), "not ready: the database does not answer");
}

fn on_postgres() -> bool {
    std::env::var("KAYSE_TEST_POSTGRES_URL").is_ok()
}

#[tokio::test]
async fn a_page_open_on_one_instance_is_signed_out_when_another_ends_its_session() {
    if !on_postgres() {
        return; // One SQLite instance tells its own pages (sessions.rs).
    }
    let a = spawn().await;
    let b = a.another_instance().await;
    let laptop = a.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "", "203.0.113.10").await;
    let phone = a.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "", "198.51.100.20").await;
    let phone_id = session_row(&a, &phone).await.id.to_string();
    let page_on_a = tokio::spawn(read_until(a.get_streaming("/live", &phone).await, "signed-out"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ended = b.call::<EndSession>(&[("id", &phone_id)], Some(&laptop)).await;
    assert!(ended.status.is_success(), "{}", ended.text());
    // No periodic re-check runs in the tests: the event itself crossed instances.
    let received = tokio::time::timeout(Duration::from_secs(5), page_on_a)
        .await
        .expect("signed out within 5 s")
        .unwrap();
    assert!(received.contains("event: signed-out"), "{received}");
}

#[tokio::test]
async fn a_notification_raised_on_one_instance_rings_the_bell_on_a_page_of_another() {
    if !on_postgres() {
        return;
    }
    let a = spawn().await;
    let b = a.another_instance().await;
    let session = a.sign_in_demo().await;
    let token = api_token(&a, &session).await;
    let page_on_a =
        tokio::spawn(read_until(a.get_streaming("/live", &session).await, "event: notifications"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reply = post_report(
        &b,
        "/integrations/v1/messages",
        Some(&token),
        "application/json",
        r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Is Thursday still on?"}"#,
    )
    .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text());
    let received = tokio::time::timeout(Duration::from_secs(5), page_on_a)
        .await
        .expect("the bell is told within 5 s")
        .unwrap();
    assert!(received.contains("event: notifications"), "{received}");
}

#[tokio::test]
async fn a_request_rate_holds_for_sixty_requests_at_once_on_two_instances() {
    use app::backend::throttle::{Key, Kind, RateLimit};
    let a = spawn().await;
    let b = a.another_instance().await;
    let limit = RateLimit::new("burst-test", 5, Duration::from_secs(60));
    let key = Key::named(Kind::Address, "api token 1");
    let burst = (0..60).map(|i| {
        let db = if i % 2 == 0 { &a.state.db } else { &b.state.db };
        limit.take(db, key)
    });
    let answers = join_all(burst).await;
    let taken = answers.iter().filter(|r| r.is_ok()).count();
    let refused = answers
        .iter()
        .filter(|r| matches!(r, Err(AppError::RateLimited { retry_after_seconds }) if *retry_after_seconds <= 60))
        .count();
    let others: Vec<_> = answers
        .iter()
        .filter(|r| !matches!(r, Ok(()) | Err(AppError::RateLimited { .. })))
        .collect();
    assert_eq!((taken, refused), (5, 55), "one window for the deployment: {others:?}");
}

#[tokio::test]
async fn a_request_that_read_the_clock_just_before_the_window_began_waits_no_longer_than_it() {
    use app::backend::throttle::{Key, Kind, RateLimit, now_ms};
    let app = spawn().await;
    let limit = RateLimit::new("clock-test", 1, Duration::from_secs(60));
    let key = Key::named(Kind::Address, "api token 2");
    let now = now_ms();
    limit.take_at(&app.state.db, key, now).await.unwrap();
    let earlier = limit.take_at(&app.state.db, key, now - 1).await;
    assert_eq!(earlier, Err(AppError::RateLimited { retry_after_seconds: 60 }));
}
