//! "Secure my account": every session ends, push is off, signing in waits for a new
//! password set by emailed link, and the person and their companies' Admins are told.

use app::auth::server::MUST_CHOOSE_NEW_PASSWORD;
use app::backend::credentials::WASNT_ME_EXPIRED;
use app::backend::entities::push_subscription;
use app::error::AppError;
use app::security::api::{
    ChangePassword, CheckWasntMeLink, GetSecurityOverview, SecureAccountByLink, SecureMyAccount,
    SecurityOverview,
};
use app::shell::api::CurrentAccount;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn};

#[tokio::test]
async fn securing_the_account_ends_everything_until_a_new_password_is_chosen() {
    let app = spawn().await;
    let db = app.state.db.clone();
    let here = app.sign_in_demo().await;
    let elsewhere = app.sign_in_demo().await;
    let me = app.call::<GetSecurityOverview>(&[], Some(&here)).await;
    assert!(me.status.is_success());
    let session = app::backend::entities::session::Entity::find().one(&db).await.unwrap().unwrap();
    push_subscription::ActiveModel {
        user_id: Set(session.user_id),
        session_id: Set(session.id),
        endpoint: Set("https://push.example/abc".into()),
        p256dh: Set("key".into()),
        auth: Set("auth".into()),
        device_name: Set("Chrome on Linux".into()),
        created_at: Set(chrono::Utc::now()),
        last_success_at: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();

    let secured = app.call::<SecureMyAccount>(&[], Some(&here)).await;
    assert!(secured.status.is_success(), "{}", secured.text());
    assert_eq!(secured.session_token(), None, "this browser's cookie is cleared");
    for token in [&here, &elsewhere] {
        let reply = app.call::<CurrentAccount>(&[], Some(token)).await;
        assert_eq!(reply.app_error(), AppError::Unauthorized);
    }
    assert_eq!(push_subscription::Entity::find().count(&db).await.unwrap(), 0);

    // The right password is not enough now; a wrong one learns nothing new.
    let right = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await;
    assert_eq!(right.app_error(), AppError::Rejected(MUST_CHOOSE_NEW_PASSWORD.into()));
    let wrong = app.sign_in_reply(DEMO_EMAIL, "not the password", "127.0.0.1").await;
    assert_eq!(wrong.app_error(), AppError::InvalidCredentials);

    // The person is told, and so is the Admin of their other company (they are the Admin
    // of the first themselves).
    let told = app.outbox_with_subject("Your Kayse account was secured");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["to"], DEMO_EMAIL);
    let admins: Vec<_> = app
        .outbox_messages()
        .into_iter()
        .filter(|m| {
            m["subject"].as_str().is_some_and(|s| s.ends_with("secured their Kayse account"))
        })
        .collect();
    assert_eq!(admins.len(), 1, "{admins:?}");
    assert_ne!(admins[0]["to"], DEMO_EMAIL);

    // A new password by link opens the account again, and the log says what happened.
    let asked =
        app.call::<app::auth::api::RequestPasswordReset>(&[("email", DEMO_EMAIL)], None).await;
    assert!(asked.status.is_success());
    let mut link = None;
    for _ in 0..200 {
        if let Some(m) = app.outbox_with_subject("Reset your Kayse password").first() {
            link = Some(m["links"][0].as_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let token = link.expect("a reset link").rsplit_once("token=").unwrap().1.to_owned();
    let reset = app
        .call::<app::auth::api::ResetPassword>(
            &[
                ("token", &token),
                ("new_password", "copper kettle meadow"),
                ("confirm_password", "copper kettle meadow"),
            ],
            None,
        )
        .await;
    assert!(reset.status.is_success(), "{}", reset.text());
    let back = app.sign_in_as(DEMO_EMAIL, "copper kettle meadow").await;
    let overview: SecurityOverview = app.call::<GetSecurityOverview>(&[], Some(&back)).await.json();
    let kinds: Vec<&str> = overview.activity.iter().map(|a| a.what.as_str()).collect();
    assert!(kinds.contains(&"Account secured: signed out everywhere"), "{kinds:?}");
}

#[tokio::test]
async fn securing_needs_a_session() {
    let app = spawn().await;
    let reply = app.call::<SecureMyAccount>(&[], None).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn a_credential_change_email_carries_a_this_wasnt_me_link_that_works_once() {
    let app = spawn().await;
    let here = app.sign_in_demo().await;
    let elsewhere = app.sign_in_demo().await;
    let changed = app
        .call::<ChangePassword>(
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "copper kettle meadow"),
                ("confirm_password", "copper kettle meadow"),
                ("sign_out_others", "false"),
            ],
            Some(&here),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    let here = changed.session_token().expect("the session's token is renewed");
    let notice = app.outbox_with_subject("Your Kayse password was changed");
    assert_eq!(notice.len(), 1);
    let link = notice[0]["links"][0].as_str().unwrap().to_owned();
    assert!(link.starts_with("http://kayse.test:3000/secure-account?token="), "{link}");
    assert!(notice[0]["text"].as_str().unwrap().contains("This wasn't me: "));
    let token = link.rsplit_once("token=").unwrap().1.to_owned();
    assert!(app.call::<CheckWasntMeLink>(&[("token", &token)], None).await.status.is_success());

    // Sixty clicks at once: one secures the account, the rest find the link used.
    let form = [("token", token.as_str())];
    let replies = futures_util::future::join_all(
        (0..60).map(|_| app.call::<SecureAccountByLink>(&form, None)),
    )
    .await;
    let secured = replies.iter().filter(|r| r.status.is_success()).count();
    assert_eq!(secured, 1);
    for reply in replies.iter().filter(|r| !r.status.is_success()) {
        assert_eq!(reply.app_error(), AppError::Rejected(WASNT_ME_EXPIRED.into()));
    }
    assert_eq!(app.outbox_with_subject("Your Kayse account was secured").len(), 1);

    for token in [&here, &elsewhere] {
        let reply = app.call::<CurrentAccount>(&[], Some(token)).await;
        assert_eq!(reply.app_error(), AppError::Unauthorized);
    }
    let new_password = app.sign_in_reply(DEMO_EMAIL, "copper kettle meadow", "127.0.0.1").await;
    assert_eq!(new_password.app_error(), AppError::Rejected(MUST_CHOOSE_NEW_PASSWORD.into()));
    let again = app.call::<CheckWasntMeLink>(&[("token", &token)], None).await;
    assert_eq!(again.app_error(), AppError::Rejected(WASNT_ME_EXPIRED.into()));
    let unknown =
        app.call::<SecureAccountByLink>(&[("token", "0".repeat(64).as_str())], None).await;
    assert_eq!(unknown.app_error(), AppError::Rejected(WASNT_ME_EXPIRED.into()));
}

#[tokio::test]
async fn this_wasnt_me_on_a_changed_login_email_puts_the_old_address_back_and_secures() {
    use app::profile::api::{ConfirmEmailChange, RequestEmailChange};
    let app = spawn().await;
    let intruder = app.sign_in_demo().await;
    let asked = app
        .call::<RequestEmailChange>(
            &[("new_email", "intruder@evil.example"), ("current_password", DEMO_PASSWORD)],
            Some(&intruder),
        )
        .await;
    assert!(asked.status.is_success(), "{}", asked.text());
    let confirm = app.outbox_with_subject("Confirm your new Kayse email address")[0]["links"][0]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let changed = app.call::<ConfirmEmailChange>(&[("token", &confirm)], None).await;
    assert!(changed.status.is_success(), "{}", changed.text());

    // The old address is told when, from where, and may disown it.
    let notice = app.outbox_with_subject("Your Kayse login email was changed");
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0]["to"], DEMO_EMAIL);
    assert!(notice[0]["text"].as_str().unwrap().contains("This wasn't me"));
    let link = notice[0]["links"][0].as_str().unwrap();
    assert!(link.contains("/secure-account?token="), "{link}");
    let token = link.split("token=").nth(1).unwrap();

    let secured = app.call::<SecureAccountByLink>(&[("token", token)], None).await;
    assert!(secured.status.is_success(), "{}", secured.text());
    // The login is the old address again, the intruder is out, and the new password waits
    // for a link sent there.
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&intruder)).await.app_error(),
        AppError::Unauthorized
    );
    let right = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await;
    assert_eq!(right.app_error(), AppError::Rejected(MUST_CHOOSE_NEW_PASSWORD.into()));
    let by_new = app.sign_in_reply("intruder@evil.example", DEMO_PASSWORD, "127.0.0.1").await;
    assert_eq!(by_new.app_error(), AppError::InvalidCredentials);
    let told = app.outbox_with_subject("Your Kayse account was secured");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["to"], DEMO_EMAIL);
}
