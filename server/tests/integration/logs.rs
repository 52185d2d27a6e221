//! What reaches the log: no password or token, and every line names its request.

use std::io::Write;
use std::sync::{Arc, Mutex};

use app::auth::api::SignIn;
use app::profile::api::RequestEmailChange;
use app::security::api::ChangePassword;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn};

/// Collects everything the server logs during a test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn passwords_never_reach_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Process-wide: server functions run on other tasks and threads. (Only this test sets
    // it; other tests' logs land here too, which only makes the check stricter.)
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let app = spawn().await;
    const GUESS: &str = "Wrong-Guess-7731-secret";
    // Enough guesses at another account to reach its lock, a couple at the demo account.
    for _ in 0..7 {
        app.call::<SignIn>(
            &[("email", "someone@kayse.test"), ("password", GUESS), ("next", "")],
            None,
        )
        .await;
    }
    for _ in 0..2 {
        app.call::<SignIn>(&[("email", DEMO_EMAIL), ("password", GUESS), ("next", "")], None).await;
    }
    let token = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "", "198.51.100.3").await;
    app.call::<RequestEmailChange>(
        &[("new_email", "new@firm.example"), ("current_password", GUESS)],
        Some(&token),
    )
    .await;
    // A password change: a wrong current password, then a new password that is kept.
    const NEW_PASSWORD: &str = "Gravel-Lantern-Otter-5521";
    for current in [GUESS, DEMO_PASSWORD] {
        app.call::<ChangePassword>(
            &[
                ("current_password", current),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
                ("sign_out_others", "true"),
            ],
            Some(&token),
        )
        .await;
    }
    assert!(
        app.sign_in_reply(DEMO_EMAIL, NEW_PASSWORD, "198.51.100.3").await.session_token().is_some()
    );

    // A confirmation link's token stays in the outbox, out of the log.
    let change = app
        .call::<RequestEmailChange>(
            &[("new_email", "new@firm.example"), ("current_password", NEW_PASSWORD)],
            Some(&app.sign_in_with(DEMO_EMAIL, NEW_PASSWORD, "", "198.51.100.3").await),
        )
        .await;
    assert!(change.status.is_success(), "{}", change.text());
    let sent = app.outbox_with_subject("Confirm your new Kayse email address");
    let link = sent[0]["links"][0].as_str().unwrap().to_owned();
    let link_token = link.split("token=").nth(1).unwrap().to_owned();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!log.contains(&link_token), "a confirmation token reached the log");
    assert!(log.contains("/confirm-email"), "the log still says where the link leads");
    assert!(
        log.contains("failed sign-in") && log.contains("signed in"),
        "the log was captured:\n{log}"
    );
    assert!(!log.contains(GUESS), "a wrong password reached the log");
    assert!(!log.contains(DEMO_PASSWORD), "the password reached the log");
    assert!(!log.contains(NEW_PASSWORD), "a new password reached the log");
    assert!(!log.contains(&token), "a session token reached the log");
    // Each line names the request it was written for: method and route, never the query.
    let failed = log.lines().find(|l| l.contains("failed sign-in")).unwrap();
    assert!(failed.contains("request{method=POST route=/api/"), "no request span: {failed}");
}
