//! Company settings, Security policy (Admins): "Require 2FA" with a grace period, which
//! keeps a member without 2FA out of that company's data (and only that company's) once
//! the grace period is over; reminders sent once; 2FA that cannot be turned off while a
//! company requires it; and the idle timeout and maximum session length a session working
//! in the company obeys.

use app::backend::entities::{session, user};
use app::cases::api::ListCases;
use app::company_settings::api::{
    GetSecurityPolicy, REQUIRE_NEEDS_YOUR_2FA, SaveSecurityPolicy, SecurityPolicyView,
};
use app::error::AppError;
use app::security::api::DisableTwoFactor;
use app::shell::api::{AccountSummary, CurrentAccount, KeepSessionAlive, SwitchCompany};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::harness::{TestApp, company_named, spawn};
use crate::members::{person, sign_in_colleague};
use crate::security_tab::{enable_two_factor, overview};

const HARPER: &str = "Harper & Lowe LLP";
const REYES: &str = "Reyes Legal Group";
const REQUIRED_SUBJECT: &str = "Harper & Lowe LLP requires two-factor authentication";

async fn save_policy(app: &TestApp, token: &str, form: &[(&str, &str)]) -> crate::harness::Reply {
    let mut fields: Vec<(&str, &str)> = vec![
        ("require_two_factor", "false"),
        ("grace_days", "0"),
        ("allow_remembered_devices", "true"),
    ];
    for (key, value) in form {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    app.call::<SaveSecurityPolicy>(&fields, Some(token)).await
}

async fn account(app: &TestApp, token: &str) -> AccountSummary {
    let reply = app.call::<CurrentAccount>(&[], Some(token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

async fn set_deadline(app: &TestApp, name: &str, at: chrono::DateTime<chrono::Utc>) {
    let mut row = company_named(app, name).await.into_active_model();
    row.two_factor_required_from = Set(Some(at));
    row.update(&app.state.db).await.unwrap();
}

/// Priya also works for Reyes, so one person shows both sides of the gate.
async fn priya_in_both(app: &TestApp) -> String {
    let reyes = company_named(app, REYES).await;
    let priya = person(app, "Priya Shah").await;
    app::backend::entities::membership::ActiveModel {
        user_id: Set(priya.id),
        company_id: Set(reyes.id),
        role: Set("user".into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    sign_in_colleague(app, "Priya Shah", "198.51.100.7").await
}

#[tokio::test]
async fn requiring_2fa_closes_one_company_to_a_member_without_it_and_not_the_other() {
    let app = spawn().await;
    let mut alex = app.sign_in_demo().await;
    let mut priya = priya_in_both(&app).await;

    // An Admin without 2FA of their own cannot require it.
    let refused = save_policy(&app, &alex, &[("require_two_factor", "true")]).await;
    assert_eq!(refused.app_error(), AppError::Rejected(REQUIRE_NEEDS_YOUR_2FA.into()));
    enable_two_factor(&app, &mut alex).await;
    let saved = save_policy(&app, &alex, &[("require_two_factor", "true")]).await;
    assert!(saved.status.is_success(), "{}", saved.text());

    // Priya, working in Harper: the shell says why, the data is refused.
    let summary = account(&app, &priya).await;
    let notice = summary.two_factor_notice.expect("a notice");
    assert_eq!((notice.company.as_str(), notice.days_left), (HARPER, None));
    let gated = app.call::<ListCases>(&[("search", "")], Some(&priya)).await;
    assert_eq!(gated.status, 403);
    assert_eq!(gated.app_error(), AppError::TwoFactorRequired { company: HARPER.into() });
    // Every member without 2FA was told, by email.
    let mail = app.outbox_with_subject(REQUIRED_SUBJECT);
    let to: Vec<String> =
        mail.iter().map(|m| m["to"].as_str().unwrap_or_default().to_owned()).collect();
    assert!(
        to.iter().any(|t| t.contains("priya.shah")) && to.iter().any(|t| t.contains("marcus.lee")),
        "{to:?}"
    );
    assert!(!to.iter().any(|t| t.contains("alex")), "the Admin has 2FA: {to:?}");

    // Her other company is not affected.
    let reyes = company_named(&app, REYES).await;
    let switched =
        app.call::<SwitchCompany>(&[("company_id", &reyes.id.to_string())], Some(&priya)).await;
    assert!(switched.status.is_success());
    assert!(app.call::<ListCases>(&[("search", "")], Some(&priya)).await.status.is_success());
    assert_eq!(account(&app, &priya).await.two_factor_notice, None);

    // Back in Harper with 2FA set up, the data opens.
    let harper = company_named(&app, HARPER).await;
    app.call::<SwitchCompany>(&[("company_id", &harper.id.to_string())], Some(&priya)).await;
    enable_two_factor(&app, &mut priya).await;
    assert!(app.call::<ListCases>(&[("search", "")], Some(&priya)).await.status.is_success());
    assert_eq!(account(&app, &priya).await.two_factor_notice, None);

    // ...and stays on while Harper requires it.
    let secret_free = app
        .call::<DisableTwoFactor>(
            &[("password", crate::harness::DEMO_PASSWORD), ("code", "000000")],
            Some(&priya),
        )
        .await;
    assert_eq!(
        secret_free.app_error(),
        AppError::Rejected(format!(
            "{HARPER} requires two-factor authentication, so it can't be turned off."
        ))
    );
    let own = overview(&app, &priya).await;
    assert_eq!(own.two_factor_required_by, vec![HARPER.to_owned()]);
    assert!(own.company_policies.iter().any(|p| p.company == HARPER
        && p.rules.contains(&"Requires two-factor authentication".to_owned())));

    // The change is in the audit log.
    let entries: app::company_settings::api::AuditLogPage = app
        .call::<app::company_settings::api::ListAuditLog>(
            &[("kind", "security_policy_changed")],
            Some(&alex),
        )
        .await
        .json();
    assert_eq!(entries.entries.len(), 1);
    assert_eq!(entries.entries[0].detail, "Require 2FA: on, 0 days of grace");
}

#[tokio::test]
async fn the_grace_period_warns_until_its_last_second_and_reminds_once() {
    let app = spawn().await;
    let mut alex = app.sign_in_demo().await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    enable_two_factor(&app, &mut alex).await;
    let saved =
        save_policy(&app, &alex, &[("require_two_factor", "true"), ("grace_days", "7")]).await;
    assert!(saved.status.is_success(), "{}", saved.text());
    let policy: SecurityPolicyView = app.call::<GetSecurityPolicy>(&[], Some(&alex)).await.json();
    assert!(policy.require_two_factor && policy.required_from.is_some());
    assert_eq!(policy.members_without_two_factor, 2);

    assert_eq!(account(&app, &priya).await.two_factor_notice.unwrap().days_left, Some(7));
    assert!(app.call::<ListCases>(&[("search", "")], Some(&priya)).await.status.is_success());
    // Saving again with the same grace keeps the deadline announced.
    let before = company_named(&app, HARPER).await.two_factor_required_from;
    save_policy(&app, &alex, &[("require_two_factor", "true"), ("grace_days", "7")]).await;
    assert_eq!(company_named(&app, HARPER).await.two_factor_required_from, before);

    // One minute left: still open, "1 day left".
    let now = chrono::Utc::now();
    set_deadline(&app, HARPER, now + chrono::Duration::minutes(1)).await;
    assert_eq!(account(&app, &priya).await.two_factor_notice.unwrap().days_left, Some(1));
    assert!(app.call::<ListCases>(&[("search", "")], Some(&priya)).await.status.is_success());

    // Reminders: each member without 2FA once, however many passes run at once.
    let passes: Vec<_> =
        (0..10).map(|_| app::company_settings::policy::send_due_reminders(&app.state)).collect();
    let sent: u64 =
        futures_util::future::join_all(passes).await.into_iter().map(Result::unwrap).sum();
    assert_eq!(sent, 2, "Priya and Marcus, once each");
    assert_eq!(app::company_settings::policy::send_due_reminders(&app.state).await.unwrap(), 0);

    // A second past the deadline: closed.
    set_deadline(&app, HARPER, now - chrono::Duration::seconds(1)).await;
    let gated = app.call::<ListCases>(&[("search", "")], Some(&priya)).await;
    assert_eq!(gated.app_error(), AppError::TwoFactorRequired { company: HARPER.into() });

    // Turned off: open again, and nothing is required.
    assert!(save_policy(&app, &alex, &[]).await.status.is_success());
    assert!(app.call::<ListCases>(&[("search", "")], Some(&priya)).await.status.is_success());
    assert_eq!(account(&app, &priya).await.two_factor_notice, None);
}

#[tokio::test]
async fn a_session_obeys_the_idle_timeout_and_maximum_length_of_its_company() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let alex_in_reyes = app.sign_in_demo().await;
    let reyes = company_named(&app, REYES).await;
    app.call::<SwitchCompany>(&[("company_id", &reyes.id.to_string())], Some(&alex_in_reyes)).await;

    let saved =
        save_policy(&app, &alex, &[("idle_timeout_minutes", "15"), ("max_session_hours", "8")])
            .await;
    assert!(saved.status.is_success(), "{}", saved.text());
    assert_eq!(account(&app, &alex).await.idle_timeout_seconds, 15 * 60);
    assert_eq!(
        account(&app, &alex_in_reyes).await.idle_timeout_seconds,
        7 * 24 * 3600,
        "the server's"
    );

    let me = user::Entity::find()
        .filter(user::Column::Email.eq(crate::harness::DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let idle_for = |minutes: i64| {
        let app = &app;
        async move {
            session::Entity::update_many()
                .col_expr(
                    session::Column::LastSeenAt,
                    sea_orm::sea_query::Expr::value(
                        chrono::Utc::now() - chrono::Duration::minutes(minutes),
                    ),
                )
                .filter(session::Column::UserId.eq(me.id))
                .exec(&app.state.db)
                .await
                .unwrap();
            // What the cache holds was read before this change made behind its back.
            app.state.sessions.clear();
        }
    };
    // Fourteen minutes idle, then "Stay signed in": the clock starts again.
    idle_for(14).await;
    assert!(app.call::<KeepSessionAlive>(&[], Some(&alex)).await.status.is_success());
    idle_for(0).await;
    assert!(app.call::<CurrentAccount>(&[], Some(&alex)).await.status.is_success());
    // Sixteen minutes idle: the Harper session ends; the Reyes one obeys the server.
    idle_for(16).await;
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&alex)).await.app_error(),
        AppError::Unauthorized
    );
    assert!(app.call::<CurrentAccount>(&[], Some(&alex_in_reyes)).await.status.is_success());

    // Maximum length: a Harper session signed in nine hours ago ends, however active.
    let fresh = app.sign_in_demo().await;
    let harper = company_named(&app, HARPER).await;
    app.call::<SwitchCompany>(&[("company_id", &harper.id.to_string())], Some(&fresh)).await;
    session::Entity::update_many()
        .col_expr(
            session::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::hours(9)),
        )
        .filter(session::Column::UserId.eq(me.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.state.sessions.clear();
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&fresh)).await.app_error(),
        AppError::Unauthorized
    );
    assert!(
        app.call::<CurrentAccount>(&[], Some(&alex_in_reyes)).await.status.is_success(),
        "Reyes sets no maximum"
    );
}

#[tokio::test]
async fn the_policy_is_checked_and_only_for_admins() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let bad = save_policy(
        &app,
        &alex,
        &[("grace_days", "31"), ("idle_timeout_minutes", "5"), ("max_session_hours", "0")],
    )
    .await;
    assert_eq!(bad.status, 422);
    let error = bad.app_error();
    for field in ["grace_days", "idle_timeout_minutes", "max_session_hours"] {
        assert!(error.message_for(field).is_some(), "{field}: {error:?}");
    }
    let harper = company_named(&app, HARPER).await;
    assert_eq!(
        (harper.idle_timeout_minutes, harper.max_session_hours),
        (None, None),
        "nothing saved"
    );
    assert_eq!(
        save_policy(&app, &priya, &[]).await.app_error(),
        app::backend::scope::not_an_admin()
    );
    assert_eq!(
        app.call::<GetSecurityPolicy>(&[], Some(&priya)).await.app_error(),
        app::backend::scope::not_an_admin()
    );
}

#[tokio::test]
async fn open_pages_of_the_members_are_told_when_the_policy_changes() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let stream = app.get_streaming("/live", &priya).await;
    let reader = tokio::spawn(crate::notification_center::read_until(stream, "event: companies"));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let saved = save_policy(&app, &alex, &[("idle_timeout_minutes", "30")]).await;
    assert!(saved.status.is_success(), "{}", saved.text());
    let received = tokio::time::timeout(std::time::Duration::from_secs(10), reader)
        .await
        .expect("the live event arrives")
        .unwrap();
    assert!(received.contains("event: companies"), "{received}");
    // The top bar it then reloads counts down from the company's timeout.
    assert_eq!(account(&app, &priya).await.idle_timeout_seconds, 30 * 60);
}
