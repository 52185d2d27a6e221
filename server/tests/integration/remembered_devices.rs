//! Remembered devices: "Remember this device for 30 days" at the second step lets that
//! browser, and only it, sign in to that account with the password alone, until the 30 days
//! are over or the device is forgotten (by the person, a new password, 2FA turned off, or
//! the server setting).

use app::auth::api::{GetSecondStepOptions, SecondStepOptions, SignIn, VerifySignIn};
use app::backend::entities::remembered_device;
use app::error::AppError;
use app::security::api::{
    ChangePassword, DisableTwoFactor, ForgetAllRememberedDevices, ForgetRememberedDevice,
    GetSecurityOverview, SecurityOverview,
};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set};

use crate::harness::{
    DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, browser_post, from_address, spawn,
    spawn_with_security,
};
use crate::security_tab::{PENDING, enable_two_factor, next_code, overview, password_step};

const COOKIE: &str = "kayse_remembered_device";
const SUBJECT: &str = "A device was remembered for your Kayse account";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// The second step with "Remember this device for 30 days" ticked, from Chrome.
async fn second_step_remembering(app: &TestApp, pending: &str, code: &str) -> Reply {
    let body = format!("code={}&remember=yes", crate::harness::encode(code));
    let mut request = browser_post::<VerifySignIn>("application/x-www-form-urlencoded", None)
        .header("cookie", format!("{PENDING}={pending}"))
        .header("user-agent", CHROME)
        .body(axum::body::Body::from(body))
        .unwrap();
    request.extensions_mut().insert(from_address("203.0.113.7"));
    app.send(request).await
}

/// The password step from a browser holding `remembered` (a device token, or anything).
async fn sign_in_holding(app: &TestApp, remembered: &str, password: &str) -> Reply {
    app.call_with_cookie::<SignIn>(
        &[("email", DEMO_EMAIL), ("password", password), ("next", "")],
        &format!("{COOKIE}={remembered}"),
        "203.0.113.7",
    )
    .await
}

/// Signs in through both steps, ticking "Remember this device": returns the session and
/// the device token.
async fn remember_a_device(app: &TestApp, code: &str) -> (String, String) {
    let pending = password_step(app, "203.0.113.7").await;
    let reply = second_step_remembering(app, &pending, code).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.text());
    let device = reply.cookie(COOKIE).expect("a remembered-device cookie");
    (reply.session_token().expect("a session"), device)
}

fn skipped_the_second_step(reply: &Reply) -> bool {
    reply.session_token().is_some() && reply.cookie(PENDING).is_none()
}

fn asked_for_the_second_step(reply: &Reply) -> bool {
    reply.session_token().is_none() && reply.cookie(PENDING).is_some()
}

async fn overview_from(app: &TestApp, session: &str, device: &str) -> SecurityOverview {
    let reply = app
        .call_with_cookie::<GetSecurityOverview>(
            &[],
            &format!("kayse_session={session}; {COOKIE}={device}"),
            "203.0.113.7",
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

#[tokio::test]
async fn a_remembered_browser_signs_in_with_the_password_alone_until_it_is_forgotten() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (secret, codes) = enable_two_factor(&app, &mut token).await;
    let options: SecondStepOptions = app.call::<GetSecondStepOptions>(&[], None).await.json();
    assert!(options.remember_device_allowed);

    // Not ticked: nothing is remembered.
    let pending = password_step(&app, "203.0.113.7").await;
    let plain =
        crate::security_tab::second_step(&app, &pending, &next_code(&secret), "203.0.113.7").await;
    assert!(plain.session_token().is_some());
    assert_eq!(plain.cookie(COOKIE), None);
    assert_eq!(remembered_device::Entity::find().count(&app.state.db).await.unwrap(), 0);

    // Ticked: a cookie of its own, HttpOnly, Strict, 30 days.
    let pending = password_step(&app, "203.0.113.7").await;
    let reply = second_step_remembering(&app, &pending, &codes[0]).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.text());
    let set_cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .expect("a remembered-device cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Max-Age=2592000", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let device = reply.cookie(COOKIE).unwrap();
    assert_eq!(device.len(), 64, "256 random bits, hex");
    let session = reply.session_token().unwrap();

    // Told once, with "This wasn't me"; recorded in the activity.
    let told = app.outbox_with_subject(SUBJECT);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["to"], DEMO_EMAIL);
    assert!(told[0]["text"].as_str().unwrap().contains("Chrome 131 on Windows 10"), "{}", told[0]);
    assert!(told[0]["links"][0].as_str().unwrap().contains("/secure-account?token="));
    let listed = overview_from(&app, &session, &device).await;
    assert!(listed.activity.iter().any(|a| a.what == "Device remembered for 30 days"));
    assert_eq!(listed.remembered_devices.len(), 1);
    let entry = &listed.remembered_devices[0];
    assert_eq!(entry.device, "Chrome 131 on Windows 10");
    assert_eq!(entry.address, "203.0.113.7");
    assert!(entry.this_browser);
    assert!(!overview(&app, &token).await.remembered_devices[0].this_browser);

    // The next sign-in from that browser takes the password alone.
    let again = sign_in_holding(&app, &device, DEMO_PASSWORD).await;
    assert!(skipped_the_second_step(&again), "{} {}", again.status, again.text());
    // The password is still checked, and a wrong one is still a wrong one.
    let wrong = sign_in_holding(&app, &device, "not the password").await;
    assert_eq!(wrong.app_error(), AppError::InvalidCredentials);
    // Another browser, or a forged token, still gets the second step.
    let forged = sign_in_holding(&app, &"ab".repeat(32), DEMO_PASSWORD).await;
    assert!(asked_for_the_second_step(&forged));
    // The token is bound to this account.
    let other_user = app::backend::entities::user::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email != DEMO_EMAIL)
        .unwrap();
    assert!(
        !app::backend::remembered_devices::recognised(&app.state, other_user.id, Some(&device))
            .await
            .unwrap()
    );

    // "Forget": the second step is back.
    let forgotten =
        app.call::<ForgetRememberedDevice>(&[("id", &entry.id.to_string())], Some(&session)).await;
    assert!(forgotten.status.is_success(), "{}", forgotten.text());
    assert!(overview(&app, &token).await.remembered_devices.is_empty());
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));
    // Forgetting it again: not found.
    let twice =
        app.call::<ForgetRememberedDevice>(&[("id", &entry.id.to_string())], Some(&session)).await;
    assert_eq!(twice.app_error(), AppError::NotFound);
}

async fn remembered_count(app: &TestApp) -> u64 {
    remembered_device::Entity::find().count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn expiry_turning_2fa_off_and_a_new_password_each_forget_remembered_devices() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;

    // Thirty days later (using it never extends it): the second step is back, and the
    // list no longer shows it.
    let (_, device) = remember_a_device(&app, &codes[0]).await;
    assert!(skipped_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));
    let row = remembered_device::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.expires_at - row.created_at, chrono::Duration::days(30));
    let mut expired = row.into_active_model();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
    expired.update(&app.state.db).await.unwrap();
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));
    assert!(overview(&app, &token).await.remembered_devices.is_empty());

    // Turning 2FA off forgets every device: one turned on later starts from none.
    let (_, device) = remember_a_device(&app, &codes[1]).await;
    let off = app
        .call::<DisableTwoFactor>(&[("password", DEMO_PASSWORD), ("code", &codes[2])], Some(&token))
        .await;
    assert!(off.status.is_success(), "{}", off.text());
    token = off.session_token().unwrap_or(token);
    assert_eq!(remembered_count(&app).await, 0);
    let (_, codes) = enable_two_factor(&app, &mut token).await;
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));

    // A new password forgets every device too.
    let (_, device) = remember_a_device(&app, &codes[0]).await;
    let new_password = "gravel lantern otter 77";
    let changed = app
        .call::<ChangePassword>(
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
                ("sign_out_others", "false"),
            ],
            Some(&token),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    assert_eq!(remembered_count(&app).await, 0);
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, new_password).await));
}

#[tokio::test]
async fn forget_all_forgets_only_the_persons_own_devices() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;
    let (_, first) = remember_a_device(&app, &codes[0]).await;
    let (_, second) = remember_a_device(&app, &codes[1]).await;
    assert_eq!(overview(&app, &token).await.remembered_devices.len(), 2);

    // Someone else's remembered device, which this person can neither see nor forget.
    let other = app::backend::entities::user::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email != DEMO_EMAIL)
        .unwrap();
    let client = app::backend::audit::Client {
        user_agent: CHROME.into(),
        address: "198.51.100.9".into(),
        device: None,
        remembered: None,
    };
    app::backend::remembered_devices::remember(&app.state.db, &app.state.config, other.id, &client)
        .await
        .unwrap();
    let theirs = remembered_device::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.user_id == other.id)
        .unwrap();
    let refused =
        app.call::<ForgetRememberedDevice>(&[("id", &theirs.id.to_string())], Some(&token)).await;
    assert_eq!(refused.app_error(), AppError::NotFound);

    let all = app.call::<ForgetAllRememberedDevices>(&[], Some(&token)).await;
    assert!(all.status.is_success(), "{}", all.text());
    assert_eq!(all.json::<u64>(), 2);
    assert_eq!(remembered_count(&app).await, 1, "the other person's device stays");
    for device in [first, second] {
        assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));
    }
    // Without a session, nothing.
    let anonymous = app.call::<ForgetAllRememberedDevices>(&[], None).await;
    assert_eq!(anonymous.app_error(), AppError::Unauthorized);
}

#[tokio::test]
async fn the_server_setting_turns_remembering_off() {
    let app = spawn_with_security("allow_remembered_devices = false").await;
    let options: SecondStepOptions = app.call::<GetSecondStepOptions>(&[], None).await.json();
    assert!(!options.remember_device_allowed);
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;

    // Ticked anyway (an old page, a crafted request): signed in, nothing remembered.
    let pending = password_step(&app, "203.0.113.7").await;
    let reply = second_step_remembering(&app, &pending, &codes[0]).await;
    assert!(reply.session_token().is_some(), "{}", reply.text());
    assert_eq!(reply.cookie(COOKIE), None);
    assert_eq!(remembered_count(&app).await, 0);
    assert!(app.outbox_with_subject(SUBJECT).is_empty());

    // A device remembered before the setting was turned off no longer skips anything.
    let me = app::backend::entities::user::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == DEMO_EMAIL)
        .unwrap();
    let client = app::backend::audit::Client {
        user_agent: CHROME.into(),
        address: "203.0.113.7".into(),
        device: None,
        remembered: None,
    };
    let cookie = app::backend::remembered_devices::remember(
        &app.state.db,
        &app.state.config,
        me.id,
        &client,
    )
    .await
    .unwrap();
    let device = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));
    let listed = overview(&app, &token).await;
    assert!(!listed.remembering_allowed);
}

#[tokio::test]
async fn securing_the_account_forgets_every_remembered_device() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_, codes) = enable_two_factor(&app, &mut token).await;
    remember_a_device(&app, &codes[0]).await;
    remember_a_device(&app, &codes[1]).await;
    assert_eq!(remembered_count(&app).await, 2);
    let secured = app.call::<app::security::api::SecureMyAccount>(&[], Some(&token)).await;
    assert!(secured.status.is_success(), "{}", secured.text());
    assert_eq!(remembered_count(&app).await, 0);
}

#[tokio::test]
async fn a_company_that_forbids_remembered_devices_is_obeyed_in_every_sign_in_of_its_people() {
    use app::backend::entities::company;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let (_secret, codes) = enable_two_factor(&app, &mut token).await;
    let (_, device) = remember_a_device(&app, &codes[0]).await;
    assert!(skipped_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));

    // Reyes, where the demo person is only a Member, forbids it: the strictest applies.
    let reyes = company::Entity::find()
        .filter(company::Column::Name.eq("Reyes Legal Group"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut row = reyes.into_active_model();
    row.allow_remembered_devices = Set(false);
    row.update(&app.state.db).await.unwrap();
    assert!(asked_for_the_second_step(&sign_in_holding(&app, &device, DEMO_PASSWORD).await));

    // The second step neither offers it nor honours a ticked box.
    let pending = password_step(&app, "203.0.113.7").await;
    let options: SecondStepOptions = app
        .call_with_cookie::<GetSecondStepOptions>(
            &[],
            &format!("{PENDING}={pending}"),
            "203.0.113.7",
        )
        .await
        .json();
    assert!(!options.remember_device_allowed);
    let reply = second_step_remembering(&app, &pending, &codes[1]).await;
    assert!(reply.session_token().is_some(), "{}", reply.text());
    assert_eq!(reply.cookie(COOKIE), None);
    let session = reply.session_token().unwrap();
    assert!(!overview_from(&app, &session, &device).await.remembering_allowed);
}
