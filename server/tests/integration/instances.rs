//! Several instances on one database (two servers behind a proxy, or one restarted): what
//! one instance counts, claims or announces, every instance sees. With
//! `KAYSE_TEST_POSTGRES_URL` set (scripts/test) these run on PostgreSQL, the deployment
//! several instances are meant for; on SQLite they show the same code holds there too.

use app::error::AppError;
use futures_util::future::join_all;

use crate::guessing_limits::{count, rate_limited};
use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn};

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
