//! "Forgot password?" through the real router: the link works once, for 30 minutes, ends
//! every session, never bypasses 2FA, says nothing about which addresses have accounts, and
//! holds its limits when requests arrive all at once.

use std::time::Duration;

use app::auth::api::{CheckResetLink, RequestPasswordReset, ResetPassword};
use app::auth::reset::LINK_EXPIRED;
use app::auth::second_step::PENDING_COOKIE;
use app::backend::entities::{email_change, password_reset};
use app::error::AppError;
use app::security::api::ChangePassword;
use app::shell::api::CurrentAccount;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, spawn};
use crate::security_tab::enable_two_factor;

const LINK_SUBJECT: &str = "Reset your Kayse password";
const NEW_PASSWORD: &str = "copper kettle meadow";

/// Waits (the link is mailed by a background task) until `count` messages with this
/// subject are in the outbox, and a moment more to see that no other follows.
async fn mails(app: &TestApp, subject: &str, count: usize) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        if app.outbox_with_subject(subject).len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.outbox_with_subject(subject)
}

async fn ask_for_link(app: &TestApp, email: &str) -> Reply {
    app.call::<RequestPasswordReset>(&[("email", email)], None).await
}

/// Asks for a link for the demo account and returns its token, from the email.
async fn link_token(app: &TestApp) -> String {
    let before = app.outbox_with_subject(LINK_SUBJECT).len();
    let reply = ask_for_link(app, DEMO_EMAIL).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    let sent = mails(app, LINK_SUBJECT, before + 1).await;
    assert_eq!(sent.len(), before + 1);
    let link = sent[before]["links"][0].as_str().unwrap().to_owned();
    assert!(link.starts_with("http://kayse.test:3000/reset-password?token="), "{link}");
    link.rsplit_once("token=").unwrap().1.to_owned()
}

async fn reset(app: &TestApp, token: &str, new: &str, confirm: &str) -> Reply {
    app.call::<ResetPassword>(
        &[("token", token), ("new_password", new), ("confirm_password", confirm)],
        None,
    )
    .await
}

fn is_link_expired(err: &AppError) -> bool {
    matches!(err, AppError::Rejected(m) if m == LINK_EXPIRED)
}

#[tokio::test]
async fn a_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn().await;
    let first = app.sign_in_demo().await;
    let second = app.sign_in_demo().await;
    // A pending login-email change may be an attacker's: a reset cancels it.
    let db = app.state.db.clone();
    let demo = app::backend::entities::user::Entity::find().one(&db).await.unwrap().unwrap();
    email_change::ActiveModel {
        user_id: Set(demo.id),
        new_email: Set("elsewhere@kayse.test".into()),
        token_hash: Set("f".repeat(64)),
        created_at: Set(chrono::Utc::now()),
        expires_at: Set(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();

    let token = link_token(&app).await;
    assert!(app.call::<CheckResetLink>(&[("token", &token)], None).await.status.is_success());

    // The rules of Change Password, each next to its field; the link survives them.
    let weak = reset(&app, &token, "password123", "password123").await.app_error();
    assert!(weak.message_for("new_password").is_some_and(|m| m.contains("too common")), "{weak:?}");
    let mismatch = reset(&app, &token, NEW_PASSWORD, "copper kettle").await.app_error();
    assert!(mismatch.message_for("confirm_password").is_some(), "{mismatch:?}");

    let done = reset(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(done.status.is_success(), "{}", done.text());
    let fresh = done.session_token().expect("signed in after the reset");

    // Every earlier session has ended; the new one works.
    for old in [&first, &second] {
        let reply = app.call::<CurrentAccount>(&[], Some(old)).await;
        assert_eq!(reply.app_error(), AppError::Unauthorized);
    }
    assert!(app.call::<CurrentAccount>(&[], Some(&fresh)).await.status.is_success());
    assert!(email_change::Entity::find().all(&db).await.unwrap().is_empty());

    // Once only.
    let again = reset(&app, &token, "another fine password", "another fine password").await;
    assert!(is_link_expired(&again.app_error()));
    let checked = app.call::<CheckResetLink>(&[("token", &token)], None).await;
    assert!(is_link_expired(&checked.app_error()));

    // The new password signs in, the old one does not, and the account was told.
    app.sign_in_as(DEMO_EMAIL, NEW_PASSWORD).await;
    let old = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await;
    assert_eq!(old.app_error(), AppError::InvalidCredentials);
    let notices = mails(&app, "Your Kayse password was reset", 1).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["to"], DEMO_EMAIL);
}

#[tokio::test]
async fn asking_for_a_link_answers_the_same_whether_or_not_the_address_has_an_account() {
    let app = spawn().await;
    let known = ask_for_link(&app, DEMO_EMAIL).await;
    let unknown = ask_for_link(&app, "nobody@kayse.test").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    let sent = mails(&app, LINK_SUBJECT, 1).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["to"], DEMO_EMAIL);
    assert!(app.outbox_messages().iter().all(|m| m["to"] != "nobody@kayse.test"));

    let typo = ask_for_link(&app, "not-an-address").await.app_error();
    assert!(typo.message_for("email").is_some(), "{typo:?}");
    let empty = ask_for_link(&app, "  ").await.app_error();
    assert!(empty.message_for("email").is_some(), "{empty:?}");
}

#[tokio::test]
async fn a_reset_never_bypasses_two_factor_authentication() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    enable_two_factor(&app, &mut token).await;
    let link = link_token(&app).await;
    let done = reset(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(done.status.is_success(), "{}", done.text());
    assert_eq!(done.session_token(), None, "no session before the second factor");
    assert!(done.cookie(PENDING_COOKIE).is_some(), "on to the second step");
    let ended = app.call::<CurrentAccount>(&[], Some(&token)).await;
    assert_eq!(ended.app_error(), AppError::Unauthorized);
}

#[tokio::test]
async fn an_expired_link_and_a_link_older_than_a_password_change_are_refused() {
    let app = spawn().await;
    let db = app.state.db.clone();
    let expired = link_token(&app).await;
    password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&db)
        .await
        .unwrap();
    let checked = app.call::<CheckResetLink>(&[("token", &expired)], None).await;
    assert!(is_link_expired(&checked.app_error()));
    assert!(is_link_expired(&reset(&app, &expired, NEW_PASSWORD, NEW_PASSWORD).await.app_error()));

    let older = link_token(&app).await;
    let session = app.sign_in_demo().await;
    let changed = app
        .call::<ChangePassword>(
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
                ("sign_out_others", "false"),
            ],
            Some(&session),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    let refused = reset(&app, &older, "a password of my own", "a password of my own").await;
    assert!(is_link_expired(&refused.app_error()));
    app.sign_in_as(DEMO_EMAIL, NEW_PASSWORD).await;
}

#[tokio::test]
async fn sixty_uses_of_one_link_at_once_set_exactly_one_password() {
    let app = spawn().await;
    let token = link_token(&app).await;
    let passwords: Vec<String> = (0..60).map(|i| format!("concurrent password {i:02}")).collect();
    let replies =
        futures_util::future::join_all(passwords.iter().map(|p| reset(&app, &token, p, p))).await;
    let winners: Vec<usize> = (0..60).filter(|&i| replies[i].status.is_success()).collect();
    assert_eq!(winners.len(), 1, "exactly one reset");
    for (i, reply) in replies.iter().enumerate() {
        if i != winners[0] {
            assert!(is_link_expired(&reply.app_error()), "{}", reply.text());
        }
    }
    app.sign_in_as(DEMO_EMAIL, &passwords[winners[0]]).await;
}

#[tokio::test]
async fn sixty_requests_at_once_get_ten_answers_per_address_and_five_links_per_account() {
    let app = spawn().await;
    let replies =
        futures_util::future::join_all((0..60).map(|_| ask_for_link(&app, DEMO_EMAIL))).await;
    let answered = replies.iter().filter(|r| r.status.is_success()).count();
    assert_eq!(answered, 10, "ten a client address an hour");
    for refused in replies.iter().filter(|r| !r.status.is_success()) {
        assert_eq!(refused.status, 429);
        assert!(matches!(refused.app_error(), AppError::RateLimited { .. }));
    }
    // Of the ten, five links went out: the account's own limit, applied silently.
    assert_eq!(mails(&app, LINK_SUBJECT, 5).await.len(), 5);

    // Another client address is answered, but the account gets no sixth link.
    let elsewhere =
        app.call_from::<RequestPasswordReset>(&[("email", DEMO_EMAIL)], None, "198.51.100.7").await;
    assert!(elsewhere.status.is_success());
    assert_eq!(mails(&app, LINK_SUBJECT, 6).await.len(), 5);
}
