//! After signing in, failed attempts since the previous sign-in are said once: on the
//! account summary every page reads, until dismissed.

use app::shell::api::{AccountSummary, CurrentAccount, DismissSignInNotice};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, spawn};

async fn notice(app: &TestApp, token: &str) -> Option<String> {
    app.call::<CurrentAccount>(&[], Some(token)).await.json::<AccountSummary>().sign_in_notice
}

#[tokio::test]
async fn failed_attempts_since_the_last_sign_in_are_said_once_until_dismissed() {
    let app = spawn().await;
    let first = app.sign_in_demo().await;
    assert_eq!(notice(&app, &first).await, None, "no failures yet");

    for address in ["203.0.113.9", "198.51.100.4"] {
        let wrong = app.sign_in_reply(DEMO_EMAIL, "not the password", address).await;
        assert!(!wrong.status.is_success());
    }
    let second = app.sign_in_demo().await;
    let said = notice(&app, &second).await.expect("the failures are said");
    assert!(
        said.starts_with("2 failed sign-in attempts since your last visit, the latest on "),
        "{said}"
    );
    assert!(said.ends_with(" from 198.51.100.4."), "{said}");
    // Only the session that signed in after them says it.
    assert_eq!(notice(&app, &first).await, None);
    // Again on the next page, until dismissed.
    assert_eq!(notice(&app, &second).await.as_deref(), Some(said.as_str()));

    let dismissed = app.call::<DismissSignInNotice>(&[], Some(&second)).await;
    assert!(dismissed.status.is_success(), "{}", dismissed.text());
    assert_eq!(notice(&app, &second).await, None);

    // The next sign-in counts from this one: nothing new to say.
    let third = app.sign_in_as(DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(notice(&app, &third).await, None);
    let wrong = app.sign_in_reply(DEMO_EMAIL, "not the password", "203.0.113.9").await;
    assert!(!wrong.status.is_success());
    let fourth = app.sign_in_demo().await;
    let one = notice(&app, &fourth).await.expect("one failure");
    assert!(one.starts_with("1 failed sign-in attempt since your last visit"), "{one}");
}

#[tokio::test]
async fn dismissing_needs_a_session() {
    let app = spawn().await;
    let reply = app.call::<DismissSignInNotice>(&[], None).await;
    assert_eq!(reply.status, 401);
}
