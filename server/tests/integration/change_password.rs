//! "Change Password" through the real router: each rule explained next to its field, the
//! old password refused afterwards, and other devices signed out when asked.

use app::error::AppError;
use app::security::api::{ChangePassword, PasswordChanged};
use app::shell::api::CurrentAccount;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, spawn};
use crate::security_tab::overview;

fn change(
    current: &str,
    new: &str,
    confirm: &str,
    sign_out_others: bool,
) -> Vec<(&'static str, String)> {
    vec![
        ("current_password", current.to_owned()),
        ("new_password", new.to_owned()),
        ("confirm_password", confirm.to_owned()),
        ("sign_out_others", sign_out_others.to_string()),
    ]
}

async fn call_change(app: &TestApp, token: &str, form: Vec<(&'static str, String)>) -> Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call::<ChangePassword>(&pairs, Some(token)).await
}

#[tokio::test]
async fn each_password_rule_is_explained_next_to_its_field() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let cases = [
        (change(DEMO_PASSWORD, "short", "short", true), "new_password", "at least 8"),
        (change(DEMO_PASSWORD, "password123", "password123", true), "new_password", "too common"),
        (
            change(DEMO_PASSWORD, "alex morgan rocks", "alex morgan rocks", true),
            "new_password",
            "name or email",
        ),
        (
            change(DEMO_PASSWORD, "demo@kayse.test!!", "demo@kayse.test!!", true),
            "new_password",
            "name or email",
        ),
        (
            change(DEMO_PASSWORD, "gravel lantern otter", "gravel lantern oter", true),
            "confirm_password",
            "don't match",
        ),
        (
            change("", "gravel lantern otter", "gravel lantern otter", true),
            "current_password",
            "current password",
        ),
        (
            change("wrong-password-here", "gravel lantern otter", "gravel lantern otter", true),
            "current_password",
            "not correct",
        ),
    ];
    for (form, field, expected) in cases {
        let reply = call_change(&app, &token, form).await;
        let message = reply
            .app_error()
            .message_for(field)
            .unwrap_or_else(|| panic!("no message for {field}: {}", reply.text()));
        assert!(message.contains(expected), "{field}: {message}");
    }
    let long = "x".repeat(1025);
    let reply = call_change(&app, &token, change(DEMO_PASSWORD, &long, &long, true)).await;
    assert!(reply.app_error().message_for("new_password").unwrap().contains("1,024"));
    // Nothing changed: the old password still signs in.
    assert!(
        app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await.session_token().is_some()
    );
}

#[tokio::test]
async fn changing_the_password_can_sign_out_every_other_device() {
    let app = spawn().await;
    let laptop = app.sign_in_demo().await;
    let phone = app.sign_in_demo().await;
    let tablet = app.sign_in_demo().await;
    let new_password = "gravel lantern otter";

    let reply =
        call_change(&app, &laptop, change(DEMO_PASSWORD, new_password, new_password, true)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    let done: PasswordChanged = reply.json();
    assert_eq!(done.other_sessions_ended, 2);
    let fresh = reply.session_token().expect("the current session gets a fresh token");
    assert_ne!(fresh, laptop);

    assert!(app.call::<CurrentAccount>(&[], Some(&fresh)).await.status.is_success());
    for old in [&laptop, &phone, &tablet] {
        assert_eq!(
            app.call::<CurrentAccount>(&[], Some(old)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert_eq!(
        app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await.app_error(),
        AppError::InvalidCredentials
    );
    assert!(
        app.sign_in_reply(DEMO_EMAIL, new_password, "127.0.0.1").await.session_token().is_some()
    );

    let notices = app.outbox_with_subject("Your Kayse password was changed");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["to"], DEMO_EMAIL);

    // Unchecked, the other sessions stay.
    let other = app.sign_in_as(DEMO_EMAIL, new_password).await;
    let reply = call_change(
        &app,
        &fresh,
        change(new_password, "copper kettle meadow", "copper kettle meadow", false),
    )
    .await;
    let done: PasswordChanged = reply.json();
    assert_eq!(done.other_sessions_ended, 0);
    assert!(app.call::<CurrentAccount>(&[], Some(&other)).await.status.is_success());

    let activity = overview(&app, &reply.session_token().unwrap()).await.activity;
    assert_eq!(activity[0].what, "Password changed");
    assert!(activity.iter().any(|a| a.what == "Failed sign-in attempt"));
    assert!(activity.iter().any(|a| a.what == "Signed in"));
}
