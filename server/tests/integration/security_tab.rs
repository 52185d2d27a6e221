//! The Security tab through the real router: two-factor sign-in, the replay guard, guess
//! limits and re-authentication (changing the password: change_password.rs).

use app::auth::api::{SignInVerified, VerifySignIn};
use app::backend::entities::{pending_sign_in, session};
use app::backend::tokens::hash_token;
use app::error::AppError;
use app::security::api::{
    BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, GetSecurityOverview, RegenerateBackupCodes,
    SecurityOverview, SignOutOtherDevices, TwoFactorSetup,
};
use app::security::totp;
use app::shell::api::CurrentAccount;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, spawn};

pub(crate) const PENDING: &str = "kayse_pending_sign_in";

/// Turns 2FA on for the signed-in demo user; returns the secret and the backup codes.
/// The password is asked every time, and entering it renews the session's token, which
/// `token` follows.
pub(crate) async fn enable_two_factor(app: &TestApp, token: &mut String) -> (String, Vec<String>) {
    let setup_reply = app.call::<BeginTwoFactor>(&[("password", DEMO_PASSWORD)], Some(token)).await;
    assert!(setup_reply.status.is_success(), "{}", setup_reply.text());
    *token = setup_reply.session_token().expect("re-authentication renews the token");
    let token = token.as_str();
    assert_eq!(
        setup_reply.header("cache-control").as_deref(),
        Some("no-store"),
        "the secret must not be cached"
    );
    let setup: TwoFactorSetup = setup_reply.json();
    assert!(setup.qr_code.starts_with("data:image/svg+xml;base64,"));
    let secret = setup.secret.replace(' ', "");
    let code = totp::code_at(&secret, totp::now_unix()).unwrap();
    let confirmed = app.call::<ConfirmTwoFactor>(&[("code", &code)], Some(token)).await;
    assert!(confirmed.status.is_success(), "{}", confirmed.text());
    assert_eq!(
        confirmed.header("cache-control").as_deref(),
        Some("no-store"),
        "backup codes must not be cached"
    );
    let codes: Vec<String> = confirmed.json();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// The password step of a sign-in for an account with 2FA: returns the pending token.
pub(crate) async fn password_step(app: &TestApp, ip: &str) -> String {
    let reply = app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, ip).await;
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{} {}",
        reply.status,
        reply.text()
    );
    assert_eq!(reply.session_token(), None, "no session may exist before the second factor");
    reply.cookie(PENDING).expect("a pending sign-in cookie")
}

pub(crate) async fn second_step(app: &TestApp, pending: &str, code: &str, ip: &str) -> Reply {
    app.call_with_cookie::<VerifySignIn>(&[("code", code)], &format!("{PENDING}={pending}"), ip)
        .await
}

/// The code of the step after the current one: accepted (one step of drift) and not yet used.
pub(crate) fn next_code(secret: &str) -> String {
    totp::code_at(secret, totp::now_unix() + totp::STEP_SECONDS).unwrap()
}

pub(crate) async fn overview(app: &TestApp, token: &str) -> SecurityOverview {
    app.call::<GetSecurityOverview>(&[], Some(token)).await.json()
}

#[tokio::test]
async fn signing_in_with_two_factor_from_start_to_finish() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, codes) = enable_two_factor(&app, &mut token).await;
    let state = overview(&app, &token).await;
    assert!(state.two_factor_since.is_some());
    assert_eq!(state.backup_codes_left, 10);

    // With the app's code. (Kept, so the replay below sends the very same code even when a
    // 30-second step ends in between.)
    let code = next_code(&secret);
    let pending = password_step(&app, "203.0.113.5").await;
    let reply = second_step(&app, &pending, &code, "203.0.113.5").await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.text());
    let session = reply.session_token().expect("a session after the second factor");
    assert!(app.call::<CurrentAccount>(&[], Some(&session)).await.status.is_success());
    assert!(
        reply
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with(&format!("{PENDING}=;")))
    );

    // The same code again, on a fresh sign-in: refused (never twice).
    let pending = password_step(&app, "203.0.113.5").await;
    let replay = second_step(&app, &pending, &code, "203.0.113.5").await;
    assert!(replay.app_error().message_for("code").unwrap().contains("already used"));

    // With a backup code (typed in capitals, without the dash): it says how many are left.
    let typed = codes[0].replace('-', "").to_uppercase();
    let reply = second_step(&app, &pending, &typed, "203.0.113.5").await;
    assert!(reply.status.is_success(), "{}", reply.text());
    assert!(reply.session_token().is_some());
    let verified: SignInVerified = reply.json();
    assert_eq!(verified.backup_codes_left, Some(9));

    // The same backup code next time: refused.
    let pending = password_step(&app, "203.0.113.5").await;
    let again = second_step(&app, &pending, &codes[0], "203.0.113.5").await;
    assert!(again.app_error().message_for("code").is_some());
    assert_eq!(overview(&app, &token).await.backup_codes_left, 9);

    // A finished sign-in's pending token cannot be used again.
    let reply = second_step(&app, &pending, &codes[1], "203.0.113.5").await;
    assert!(reply.status.is_success());
    let reused = second_step(&app, &pending, &codes[2], "203.0.113.5").await;
    assert!(matches!(reused.app_error(), AppError::Rejected(_)));
}

#[tokio::test]
async fn a_half_finished_sign_in_is_not_a_session_and_expires() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, _) = enable_two_factor(&app, &mut token).await;
    let pending = password_step(&app, "127.0.0.1").await;

    // As a session cookie it opens nothing.
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&pending)).await.app_error(),
        AppError::Unauthorized
    );
    let page = app.get("/settings/profile", Some(&pending)).await;
    assert!(page.status.is_redirection());
    assert!(page.header("location").unwrap().starts_with("/sign-in"));
    // Under its own name, it is not a session either.
    let own = app
        .call_with_cookie::<CurrentAccount>(&[], &format!("{PENDING}={pending}"), "127.0.0.1")
        .await;
    assert_eq!(own.app_error(), AppError::Unauthorized);
    let stored = pending_sign_in::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(stored.token_hash, hash_token(&pending), "only the hash is stored");

    // After 5 minutes it is gone, whatever the code.
    pending_sign_in::Entity::update_many()
        .col_expr(
            pending_sign_in::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let late = second_step(&app, &pending, &next_code(&secret), "127.0.0.1").await;
    assert!(matches!(late.app_error(), AppError::Rejected(ref m) if m.contains("expired")));
    assert_eq!(late.session_token(), None);
}

#[tokio::test]
async fn the_same_code_sent_twice_at_once_succeeds_once() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, _) = enable_two_factor(&app, &mut token).await;
    let first = password_step(&app, "127.0.0.1").await;
    let second = password_step(&app, "127.0.0.1").await;
    let code = next_code(&secret);
    let (a, b) = tokio::join!(
        second_step(&app, &first, &code, "127.0.0.1"),
        second_step(&app, &second, &code, "127.0.0.1")
    );
    let successes = [&a, &b].iter().filter(|r| r.session_token().is_some()).count();
    assert_eq!(successes, 1, "a: {} {}, b: {} {}", a.status, a.text(), b.status, b.text());
}

#[tokio::test]
async fn guessing_codes_is_throttled() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, _) = enable_two_factor(&app, &mut token).await;
    let pending = password_step(&app, "198.51.100.7").await;
    for _ in 0..5 {
        let wrong = second_step(&app, &pending, "000000", "198.51.100.7").await;
        assert!(wrong.app_error().message_for("code").is_some());
    }
    let locked = second_step(&app, &pending, "000000", "198.51.100.7").await;
    assert!(matches!(locked.app_error(), AppError::RateLimited { .. }));
    // While locked, even the right code waits, and wrong backup codes count the same.
    let right = second_step(&app, &pending, &next_code(&secret), "198.51.100.7").await;
    assert!(matches!(right.app_error(), AppError::RateLimited { .. }));
    assert_eq!(right.session_token(), None);
}

#[tokio::test]
async fn two_factor_changes_always_ask_for_the_password_and_a_code() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, codes) = enable_two_factor(&app, &mut token).await;
    // The password was entered a moment ago (to enable 2FA), and still it is asked again.
    let regenerate = |form: Vec<(&'static str, String)>, token: String| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call::<RegenerateBackupCodes>(&pairs, Some(&token)).await
        }
    };
    let none =
        regenerate(vec![("password", String::new()), ("code", String::new())], token.clone()).await;
    assert!(none.app_error().message_for("password").is_some());
    let no_code = regenerate(
        vec![("password", DEMO_PASSWORD.into()), ("code", String::new())],
        token.clone(),
    )
    .await;
    assert!(no_code.app_error().message_for("code").is_some());
    let wrong = regenerate(
        vec![("password", "not-my-password".into()), ("code", next_code(&secret))],
        token.clone(),
    )
    .await;
    assert!(wrong.app_error().message_for("password").is_some());
    let wrong_code = regenerate(
        vec![("password", DEMO_PASSWORD.into()), ("code", "123456".into())],
        token.clone(),
    )
    .await;
    assert!(wrong_code.app_error().message_for("code").is_some());
    token = wrong_code.session_token().expect("the right password renews the token");
    assert_eq!(overview(&app, &token).await.backup_codes_left, 10, "nothing was replaced");

    let no_password = app
        .call::<DisableTwoFactor>(&[("password", ""), ("code", &next_code(&secret))], Some(&token))
        .await;
    assert!(no_password.app_error().message_for("password").is_some());
    let wrong_password = app
        .call::<DisableTwoFactor>(
            &[("password", "nope-nope-nope"), ("code", &next_code(&secret))],
            Some(&token),
        )
        .await;
    assert!(wrong_password.app_error().message_for("password").is_some());

    // Password and a backup code: a new set replaces the old one.
    let regenerated = regenerate(
        vec![("password", DEMO_PASSWORD.into()), ("code", codes[0].clone())],
        token.clone(),
    )
    .await;
    assert!(regenerated.status.is_success(), "{}", regenerated.text());
    token = regenerated.session_token().expect("a fresh session cookie");
    let fresh: Vec<String> = regenerated.json();
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    let old_code = app
        .call::<DisableTwoFactor>(&[("password", DEMO_PASSWORD), ("code", &codes[3])], Some(&token))
        .await;
    assert!(old_code.app_error().message_for("code").is_some(), "the old set stopped working");
    token = old_code.session_token().expect("a fresh session cookie");
    let off = app
        .call::<DisableTwoFactor>(&[("password", DEMO_PASSWORD), ("code", &fresh[0])], Some(&token))
        .await;
    assert!(off.status.is_success(), "{}", off.text());
    token = off.session_token().expect("a fresh session cookie");
    assert!(overview(&app, &token).await.two_factor_since.is_none());
    // Signing in is one step again.
    assert!(
        app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await.session_token().is_some()
    );
}

#[tokio::test]
async fn starting_two_factor_always_asks_for_the_password() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    // Just signed in, yet no password means no setup.
    let none = app.call::<BeginTwoFactor>(&[("password", "")], Some(&token)).await;
    assert!(none.app_error().message_for("password").is_some());
    let wrong = app.call::<BeginTwoFactor>(&[("password", "not-it-at-all")], Some(&token)).await;
    assert!(wrong.app_error().message_for("password").is_some());
    let setup = app.call::<BeginTwoFactor>(&[("password", DEMO_PASSWORD)], Some(&token)).await;
    assert!(setup.status.is_success(), "{}", setup.text());
    let token = setup.session_token().expect("re-authentication renews the session's token");
    // Until a code verifies, the secret is not a second factor: sign-in stays one step.
    assert!(
        app.sign_in_reply(DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1").await.session_token().is_some()
    );
    let wrong = app.call::<ConfirmTwoFactor>(&[("code", "000000")], Some(&token)).await;
    assert!(wrong.app_error().message_for("code").is_some());
    assert!(overview(&app, &token).await.two_factor_since.is_none());
}

#[tokio::test]
async fn after_a_two_factor_change_other_devices_can_be_signed_out_at_once() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let phone = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "Phone", "192.0.2.31").await;
    let laptop = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "Laptop", "192.0.2.32").await;
    enable_two_factor(&app, &mut token).await;
    let ended = app.call::<SignOutOtherDevices>(&[], Some(&token)).await;
    assert!(ended.status.is_success(), "{}", ended.text());
    assert_eq!(ended.json::<u64>(), 2);
    for other in [phone, laptop] {
        assert_eq!(
            app.call::<GetSecurityOverview>(&[], Some(&other)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert!(app.call::<GetSecurityOverview>(&[], Some(&token)).await.status.is_success());
    // Without a password entered in the last 10 minutes, it is not offered for free.
    session::Entity::update_many()
        .col_expr(
            session::Column::PasswordConfirmedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(11)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    app.state.sessions.clear();
    assert_eq!(
        app.call::<SignOutOtherDevices>(&[], Some(&token)).await.app_error(),
        AppError::ReauthRequired
    );
}

#[tokio::test]
async fn two_factor_events_appear_in_the_activity() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;
    let pending = password_step(&app, "127.0.0.1").await;
    assert!(second_step(&app, &pending, &codes[0], "127.0.0.1").await.status.is_success());
    let activity: Vec<String> =
        overview(&app, &token).await.activity.into_iter().map(|a| a.what).collect();
    assert_eq!(activity[0], "Signed in", "{activity:?}");
    assert!(activity.contains(&"Signed in with a backup code".to_owned()), "{activity:?}");
    assert!(activity.contains(&"Two-factor authentication turned on".to_owned()), "{activity:?}");
    assert_eq!(
        app.outbox_with_subject("Two-factor authentication is on for your Kayse account").len(),
        1
    );
    let stored = pending_sign_in::Entity::find()
        .filter(pending_sign_in::Column::UserId.eq(1))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(stored.is_empty(), "a finished sign-in leaves no pending row");
}

#[tokio::test]
async fn failed_and_reused_codes_are_logged_and_backup_codes_are_mailed() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, codes) = enable_two_factor(&app, &mut token).await;

    // A wrong code, then a code from the app that was already used.
    let pending = password_step(&app, "198.51.100.40").await;
    let wrong = second_step(&app, &pending, "000000", "198.51.100.40").await;
    assert!(wrong.app_error().message_for("code").is_some());
    let code = next_code(&secret);
    assert!(second_step(&app, &pending, &code, "198.51.100.40").await.status.is_success());
    let again = password_step(&app, "198.51.100.41").await;
    let reused = second_step(&app, &again, &code, "198.51.100.41").await;
    assert!(reused.app_error().message_for("code").unwrap().contains("already used"));
    let activity: Vec<String> =
        overview(&app, &token).await.activity.into_iter().map(|a| a.what).collect();
    assert!(activity.contains(&"Wrong two-factor code".to_owned()), "{activity:?}");
    assert!(activity.contains(&"Two-factor code used a second time".to_owned()), "{activity:?}");

    // A backup code used to sign in, and new codes, are each told to the account's email.
    assert!(second_step(&app, &again, &codes[3], "198.51.100.41").await.status.is_success());
    let used = app.outbox_with_subject("A backup code was used for your Kayse account");
    assert_eq!(used.len(), 1);
    assert!(used[0]["text"].as_str().unwrap().contains("9 left"), "{}", used[0]["text"]);
    let form = [("password", DEMO_PASSWORD), ("code", codes[4].as_str())];
    let regenerated = app.call::<RegenerateBackupCodes>(&form, Some(&token)).await;
    assert!(regenerated.status.is_success(), "{}", regenerated.text());
    assert_eq!(app.outbox_with_subject("New backup codes for your Kayse account").len(), 1);
}

#[tokio::test]
async fn a_new_setup_never_replaces_a_confirmed_secret_even_when_tabs_race() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let demo = app::backend::users::load_user(&app.state.db, 1).await.unwrap();
    assert_eq!(demo.email, DEMO_EMAIL);

    // Tab A shows a setup; tab B confirms it while tab A (and others) start setups again.
    let reply = app.call::<BeginTwoFactor>(&[("password", DEMO_PASSWORD)], Some(&token)).await;
    token = reply.session_token().expect("re-authentication renews the token");
    let setup: TwoFactorSetup = reply.json();
    let secret = setup.secret.replace(' ', "");
    let code = totp::code_at(&secret, totp::now_unix()).unwrap();
    let form = [("code", code.as_str())];
    let confirm = app.call::<ConfirmTwoFactor>(&form, Some(&token));
    // What each restart does once its password checked out.
    let restarts = (0..10).map(|_| {
        let secret = totp::new_secret();
        let db = app.state.db.clone();
        async move {
            app::security::server::store_unconfirmed_secret(&db, demo.id, &secret).await.unwrap()
        }
    });
    let (confirmed, _) = tokio::join!(confirm, futures_util::future::join_all(restarts));
    if confirmed.status.is_success() {
        let stored = app::backend::entities::totp_credential::Entity::find_by_id(demo.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the confirmed secret is still there");
        assert!(stored.confirmed_at.is_some(), "a confirmed setup was replaced by a new one");
        assert_eq!(stored.secret, secret);
        assert!(overview(&app, &token).await.two_factor_since.is_some());
    }

    // With a confirmed secret in place, storing a new setup changes nothing.
    let (confirmed_secret, _) = if overview(&app, &token).await.two_factor_since.is_some() {
        (secret.clone(), Vec::new())
    } else {
        enable_two_factor(&app, &mut token).await
    };
    let stored =
        app::security::server::store_unconfirmed_secret(&app.state.db, demo.id, "JBSWY3DPEHPK3PXP")
            .await
            .unwrap();
    assert!(!stored, "a confirmed secret must not be replaced");
    let kept = app::backend::entities::totp_credential::Entity::find_by_id(demo.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.secret.as_str(), kept.confirmed_at.is_some()),
        (confirmed_secret.as_str(), true)
    );
}

#[tokio::test]
async fn each_backup_code_keeps_a_short_lookup_so_a_check_hashes_once() {
    use app::backend::entities::backup_code;
    use app::security::backup_codes;
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;
    let mut stored: Vec<String> = backup_code::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.lookup.expect("a lookup part"))
        .collect();
    let mut expected: Vec<String> = codes
        .iter()
        .map(|c| backup_codes::lookup_of(&backup_codes::normalise(c).unwrap()))
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
    assert!(stored.iter().all(|l| l.len() == backup_codes::LOOKUP_CHARS));
}
