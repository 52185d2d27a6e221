//! Several instances on one database (two servers behind a proxy, or one restarted): what
//! one instance counts, claims or announces, every instance sees. With
//! `KAYSE_TEST_POSTGRES_URL` set (scripts/test) these run on PostgreSQL, the deployment
//! several instances are meant for; on SQLite they show the same code holds there too.

use app::error::AppError;
use futures_util::future::join_all;
use sea_orm::ConnectionTrait;

use crate::guessing_limits::{count, rate_limited};
use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, database_url, spawn};

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
    if std::env::var("KAYSE_TEST_POSTGRES_URL").is_err() {
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
    app.state.db.clone().close().await.unwrap();
    let gone = app.get("/readyz", None).await;
    assert_eq!(gone.status.as_u16(), 503, "{}", gone.text());
    assert_eq!(gone.text(), "not ready: the database does not answer");
}
