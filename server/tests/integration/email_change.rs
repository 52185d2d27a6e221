//! A login-email change's safety: the old address is told at once with a link that cancels
//! it without signing in, a password change or "Sign out all sessions" cancels it, and
//! requests are limited even when sixty arrive at once.

use app::backend::entities::{email_change, email_change_request};
use app::error::AppError;
use app::profile::api::{CancelEmailChangeByLink, ConfirmEmailChange, RequestEmailChange};
use app::security::api::ChangePassword;
use app::sessions::api::EndOtherSessions;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, spawn};

const REQUESTED: &str = "A change of your Kayse login email was requested";

async fn request(app: &TestApp, token: &str, to: &str) -> crate::harness::Reply {
    app.call::<RequestEmailChange>(
        &[("new_email", to), ("current_password", DEMO_PASSWORD)],
        Some(token),
    )
    .await
}

fn token_of(link: &str, key: &str) -> String {
    link.split(&format!("{key}=")).nth(1).unwrap().to_owned()
}

async fn pending(app: &TestApp) -> u64 {
    email_change::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn the_old_address_is_told_at_once_and_can_cancel_without_signing_in() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    assert!(request(&app, &session, "new@firm.example").await.status.is_success());

    let notices = app.outbox_with_subject(REQUESTED);
    assert_eq!(notices.len(), 1, "told before anything is confirmed");
    assert_eq!(notices[0]["to"], DEMO_EMAIL);
    assert!(notices[0]["text"].as_str().unwrap().contains("This wasn't me"));
    let cancel_link = notices[0]["links"][0].as_str().unwrap().to_owned();
    assert!(
        cancel_link.starts_with("http://kayse.test:3000/confirm-email?cancel="),
        "{cancel_link}"
    );
    let confirm_link = app.outbox_with_subject("Confirm your new Kayse email address")[0]["links"]
        [0]
    .as_str()
    .unwrap()
    .to_owned();

    // No session: the link is the authority, once.
    let cancel = token_of(&cancel_link, "cancel");
    let cancelled = app.call::<CancelEmailChangeByLink>(&[("token", &cancel)], None).await;
    assert!(cancelled.status.is_success(), "{}", cancelled.text());
    assert_eq!(pending(&app).await, 0);
    let again = app.call::<CancelEmailChangeByLink>(&[("token", &cancel)], None).await;
    assert!(matches!(again.app_error(), AppError::Rejected(_)));
    let confirm = token_of(&confirm_link, "token");
    let late = app.call::<ConfirmEmailChange>(&[("token", &confirm)], None).await;
    assert!(matches!(late.app_error(), AppError::Rejected(_)), "the confirmation no longer works");
    let bogus = app.call::<CancelEmailChangeByLink>(&[("token", &"ab".repeat(32))], None).await;
    assert!(matches!(bogus.app_error(), AppError::Rejected(_)));
}

#[tokio::test]
async fn a_cancel_link_opened_sixty_times_at_once_cancels_once() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    assert!(request(&app, &session, "new@firm.example").await.status.is_success());
    let link = app.outbox_with_subject(REQUESTED)[0]["links"][0].as_str().unwrap().to_owned();
    let cancel = token_of(&link, "cancel");
    let form = [("token", cancel.as_str())];
    let burst = (0..60).map(|_| app.call::<CancelEmailChangeByLink>(&form, None));
    let replies = futures_util::future::join_all(burst).await;
    let cancelled = replies.iter().filter(|r| r.status.is_success()).count();
    let refused =
        replies.iter().filter(|r| !r.status.is_success()).map(Reply::app_error).collect::<Vec<_>>();
    assert_eq!(cancelled, 1, "a single-use link is used once");
    assert_eq!(refused.len(), 59);
    assert!(refused.iter().all(|e| matches!(e, AppError::Rejected(_))), "{refused:?}");
    assert_eq!(pending(&app).await, 0);
}

#[tokio::test]
async fn a_password_change_or_signing_everyone_out_cancels_a_pending_change() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    assert!(request(&app, &session, "new@firm.example").await.status.is_success());
    assert_eq!(pending(&app).await, 1);
    let ended = app.call::<EndOtherSessions>(&[("password", DEMO_PASSWORD)], Some(&session)).await;
    assert!(ended.status.is_success(), "{}", ended.text());
    assert_eq!(pending(&app).await, 0, "Sign out all sessions cancels it");

    assert!(request(&app, &session, "other@firm.example").await.status.is_success());
    assert_eq!(pending(&app).await, 1);
    const NEW: &str = "Copper-Meadow-Lantern-2231";
    let changed = app
        .call::<ChangePassword>(
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", NEW),
                ("confirm_password", NEW),
                ("sign_out_others", "false"),
            ],
            Some(&session),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    assert_eq!(pending(&app).await, 0, "a password change cancels it");
}

#[tokio::test]
async fn requests_are_limited_even_when_sixty_arrive_at_once() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let burst = (0..60).map(|i| {
        let (app, session) = (&app, session.clone());
        async move { request(app, &session, &format!("new{i}@firm.example")).await }
    });
    let replies = futures_util::future::join_all(burst).await;
    let accepted = replies.iter().filter(|r| r.status.is_success()).count();
    let limited: Vec<_> =
        replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!(accepted, 5, "five in ten minutes");
    assert_eq!(limited.len(), 55);
    assert!(limited.iter().all(|r| r.header("retry-after").is_some()));
    assert_eq!(app.outbox_with_subject("Confirm your new Kayse email address").len(), 5);
    assert_eq!(app.outbox_with_subject(REQUESTED).len(), 5);

    // And ten a day: older requests of the day count too.
    email_change_request::Entity::delete_many().exec(&app.state.db).await.unwrap();
    let earlier = chrono::Utc::now() - chrono::Duration::hours(3);
    for _ in 0..10 {
        email_change_request::ActiveModel {
            user_id: Set(1),
            created_at: Set(earlier),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let refused = request(&app, &session, "late@firm.example").await;
    let AppError::RateLimited { retry_after_seconds } = refused.app_error() else {
        panic!("expected a limit, got {}", refused.text())
    };
    assert!(
        retry_after_seconds > 20 * 3600 && retry_after_seconds <= 21 * 3600,
        "{retry_after_seconds}"
    );
}
