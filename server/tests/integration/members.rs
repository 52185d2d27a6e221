//! Company settings, Members (Admins): the list with how each member signs in, role
//! changes and removals that never leave a company without an Admin (even when two Admins
//! act against each other at once), "Sign out everywhere", "Reset 2FA" (only by an Admin
//! with 2FA) and "Sign out all members".

use app::backend::entities::{membership, user};
use app::backend::entities::{security_event, session, totp_credential};
use app::company_settings::api::{
    CompanyMembers, ListMembers, RemoveMember, ResetMemberTwoFactor, SetMemberRole,
    SignOutAllMembers, SignOutMember,
};
use app::company_settings::members::{LAST_ADMIN, RESET_NEEDS_YOUR_2FA};
use app::error::AppError;
use app::shell::api::CurrentAccount;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, company_named, spawn};
use crate::security_tab::enable_two_factor;

const HARPER: &str = "Harper & Lowe LLP";

pub(crate) async fn person(app: &TestApp, full_name: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::FullName.eq(full_name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Gives a seeded colleague the demo password and signs them in (in Harper & Lowe).
pub(crate) async fn sign_in_colleague(app: &TestApp, full_name: &str, ip: &str) -> String {
    let demo = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let colleague = person(app, full_name).await;
    let email = colleague.email.clone();
    let mut row = colleague.into_active_model();
    row.password_hash = Set(demo.password_hash);
    row.update(&app.state.db).await.unwrap();
    app.sign_in_with(&email, DEMO_PASSWORD, "", ip).await
}

async fn members(app: &TestApp, token: &str) -> CompanyMembers {
    let reply = app.call::<ListMembers>(&[], Some(token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

async fn admins_of_harper(app: &TestApp) -> u64 {
    let harper = company_named(app, HARPER).await;
    membership::Entity::find()
        .filter(membership::Column::CompanyId.eq(harper.id))
        .filter(membership::Column::Role.eq(membership::ROLE_ADMIN))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn admins_see_each_member_with_how_they_sign_in() {
    let app = spawn().await;
    let mut admin = app.sign_in_demo().await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;

    let listed = members(&app, &admin).await;
    let names: Vec<&str> = listed.members.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"Priya Shah") && names.contains(&"Marcus Lee"), "{names:?}");
    assert!(!names.contains(&"Dana Reyes"), "only this company's members");
    let me = listed.members.iter().find(|m| m.is_me).unwrap();
    assert!(me.is_admin);
    assert_eq!(me.two_factor, "Off");
    assert!(me.last_sign_in.is_some());
    assert_eq!(me.open_sessions, 1);
    let marcus = listed.members.iter().find(|m| m.name == "Marcus Lee").unwrap();
    assert_eq!(marcus.last_sign_in, None);
    assert_eq!(marcus.open_sessions, 0);
    assert!(!marcus.is_admin);

    enable_two_factor(&app, &mut admin).await;
    let listed = members(&app, &admin).await;
    assert_eq!(listed.members.iter().find(|m| m.is_me).unwrap().two_factor, "App");

    // A Member sees nothing of it.
    let refused = app.call::<ListMembers>(&[], Some(&priya)).await;
    assert_eq!(refused.app_error(), app::backend::scope::not_an_admin());
    let refused = app
        .call::<SetMemberRole>(
            &[("user_id", &person(&app, "Priya Shah").await.id.to_string()), ("admin", "true")],
            Some(&priya),
        )
        .await;
    assert_eq!(refused.app_error(), app::backend::scope::not_an_admin());
}

#[tokio::test]
async fn the_last_admin_stays_an_admin() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let me = person(&app, "Alex Morgan").await;
    let priya = person(&app, "Priya Shah").await;
    let demote = |id: i32| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.call::<SetMemberRole>(
                &[("user_id", &id.to_string()), ("admin", "false")],
                Some(&admin),
            )
            .await
        }
    };
    let alone = demote(me.id).await;
    assert_eq!(alone.app_error(), AppError::Rejected(LAST_ADMIN.into()));

    let promoted = app
        .call::<SetMemberRole>(
            &[("user_id", &priya.id.to_string()), ("admin", "true")],
            Some(&admin),
        )
        .await;
    assert!(promoted.status.is_success(), "{}", promoted.text());
    assert_eq!(admins_of_harper(&app).await, 2);
    // With another Admin, stepping down is allowed; then this person may no longer do it.
    assert!(demote(me.id).await.status.is_success());
    assert_eq!(demote(priya.id).await.app_error(), app::backend::scope::not_an_admin());
    assert_eq!(admins_of_harper(&app).await, 1);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_always_leave_one_admin() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let me = person(&app, "Alex Morgan").await;
    let priya = person(&app, "Priya Shah").await;
    let priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.8").await;
    let me_id = me.id.to_string();
    let priya_id = priya.id.to_string();
    let demote_priya = [("user_id", priya_id.as_str()), ("admin", "false")];
    let demote_alex = [("user_id", me_id.as_str()), ("admin", "false")];
    // Thirty rounds of both at once (sixty requests): each round starts with two Admins.
    for round in 0..30 {
        membership::Entity::update_many()
            .col_expr(
                membership::Column::Role,
                sea_orm::sea_query::Expr::value(membership::ROLE_ADMIN),
            )
            .filter(membership::Column::UserId.is_in([me.id, priya.id]))
            .exec(&app.state.db)
            .await
            .unwrap();
        let (by_alex, by_priya) = tokio::join!(
            app.call::<SetMemberRole>(&demote_priya, Some(&alex)),
            app.call::<SetMemberRole>(&demote_alex, Some(&priya_token)),
        );
        assert!(by_alex.status.is_success() || by_priya.status.is_success(), "round {round}");
        assert_eq!(admins_of_harper(&app).await, 1, "round {round}: never none, never both");
    }
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_member() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let laptop = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let phone =
        app.sign_in_with("priya.shah@harperlowe.example", DEMO_PASSWORD, "", "198.51.100.9").await;
    let priya = person(&app, "Priya Shah").await;
    assert_eq!(
        members(&app, &admin)
            .await
            .members
            .iter()
            .find(|m| m.user_id == priya.id)
            .unwrap()
            .open_sessions,
        2
    );
    let ended =
        app.call::<SignOutMember>(&[("user_id", &priya.id.to_string())], Some(&admin)).await;
    assert!(ended.status.is_success(), "{}", ended.text());
    assert_eq!(ended.json::<u64>(), 2);
    for token in [&laptop, &phone] {
        assert_eq!(
            app.call::<CurrentAccount>(&[], Some(token)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert!(app.call::<CurrentAccount>(&[], Some(&admin)).await.status.is_success());
    // Someone outside the company is not found.
    let dana = person(&app, "Dana Reyes").await;
    let outside =
        app.call::<SignOutMember>(&[("user_id", &dana.id.to_string())], Some(&admin)).await;
    assert_eq!(outside.app_error(), AppError::NotFound);
}

async fn add_membership(app: &TestApp, user_id: i32, company_id: i32, role: &str) {
    membership::ActiveModel {
        user_id: Set(user_id),
        company_id: Set(company_id),
        role: Set(role.to_owned()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_removed_member_works_on_in_their_other_company_or_is_signed_out() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let reyes = company_named(&app, "Reyes Legal Group").await;
    let priya = person(&app, "Priya Shah").await;
    let marcus = person(&app, "Marcus Lee").await;
    // Priya also works for Reyes; Marcus only for Harper.
    add_membership(&app, priya.id, reyes.id, membership::ROLE_USER).await;
    let priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let marcus_token = sign_in_colleague(&app, "Marcus Lee", "198.51.100.8").await;

    // A Member may not remove anyone; nobody removes themselves here.
    let refused =
        app.call::<RemoveMember>(&[("user_id", &marcus.id.to_string())], Some(&priya_token)).await;
    assert_eq!(refused.app_error(), app::backend::scope::not_an_admin());
    let me = person(&app, "Alex Morgan").await;
    let myself = app.call::<RemoveMember>(&[("user_id", &me.id.to_string())], Some(&admin)).await;
    assert!(matches!(myself.app_error(), AppError::Rejected(_)));

    for id in [priya.id, marcus.id] {
        let removed = app.call::<RemoveMember>(&[("user_id", &id.to_string())], Some(&admin)).await;
        assert!(removed.status.is_success(), "{}", removed.text());
    }
    let listed = members(&app, &admin).await;
    assert!(listed.members.iter().all(|m| m.user_id != priya.id && m.user_id != marcus.id));
    // Priya's session moved to Reyes; Marcus had nowhere to go.
    let account = app.call::<CurrentAccount>(&[], Some(&priya_token)).await;
    assert!(account.status.is_success(), "{}", account.text());
    assert!(account.text().contains("Reyes Legal Group"));
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&marcus_token)).await.app_error(),
        AppError::Unauthorized
    );
    // Removed twice: not a member any more.
    let again =
        app.call::<RemoveMember>(&[("user_id", &marcus.id.to_string())], Some(&admin)).await;
    assert_eq!(again.app_error(), AppError::NotFound);
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_always_leave_one_admin() {
    let app = spawn().await;
    let harper = company_named(&app, "Harper & Lowe LLP").await;
    let reyes = company_named(&app, "Reyes Legal Group").await;
    let alex = person(&app, "Alex Morgan").await;
    let priya = person(&app, "Priya Shah").await;
    // Both keep another company, so their sessions live on whoever is removed.
    add_membership(&app, priya.id, reyes.id, membership::ROLE_USER).await;
    let alex_token = app.sign_in_demo().await;
    let priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.8").await;
    let (priya_id, alex_id) = (priya.id.to_string(), alex.id.to_string());
    let remove_priya = [("user_id", priya_id.as_str())];
    let remove_alex = [("user_id", alex_id.as_str())];
    for round in 0..20 {
        membership::Entity::delete_many()
            .filter(membership::Column::CompanyId.eq(harper.id))
            .filter(membership::Column::UserId.is_in([alex.id, priya.id]))
            .exec(&app.state.db)
            .await
            .unwrap();
        for id in [alex.id, priya.id] {
            add_membership(&app, id, harper.id, membership::ROLE_ADMIN).await;
        }
        // Both sessions work in Harper again.
        session::Entity::update_many()
            .col_expr(session::Column::CompanyId, sea_orm::sea_query::Expr::value(Some(harper.id)))
            .filter(session::Column::UserId.is_in([alex.id, priya.id]))
            .exec(&app.state.db)
            .await
            .unwrap();
        let (by_alex, by_priya) = tokio::join!(
            app.call::<RemoveMember>(&remove_priya, Some(&alex_token)),
            app.call::<RemoveMember>(&remove_alex, Some(&priya_token)),
        );
        assert!(by_alex.status.is_success() || by_priya.status.is_success(), "round {round}");
        assert_eq!(admins_of_harper(&app).await, 1, "round {round}: never none, never both");
    }
}

#[tokio::test]
async fn only_an_admin_with_2fa_resets_a_members_2fa_and_the_member_is_told() {
    let app = spawn().await;
    let mut admin = app.sign_in_demo().await;
    let mut priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let priya = person(&app, "Priya Shah").await;
    enable_two_factor(&app, &mut priya_token).await;
    let reset = |token: String| {
        let app = &app;
        let id = priya.id.to_string();
        async move { app.call::<ResetMemberTwoFactor>(&[("user_id", &id)], Some(&token)).await }
    };
    // The Admin has no 2FA of their own yet.
    assert_eq!(
        reset(admin.clone()).await.app_error(),
        AppError::Rejected(RESET_NEEDS_YOUR_2FA.into())
    );
    enable_two_factor(&app, &mut admin).await;
    // A Member cannot, whatever their 2FA.
    let marcus = person(&app, "Marcus Lee").await;
    let by_member = app
        .call::<ResetMemberTwoFactor>(&[("user_id", &marcus.id.to_string())], Some(&priya_token))
        .await;
    assert_eq!(by_member.app_error(), app::backend::scope::not_an_admin());

    let done = reset(admin.clone()).await;
    assert!(done.status.is_success(), "{}", done.text());
    assert!(
        totp_credential::Entity::find_by_id(priya.id).one(&app.state.db).await.unwrap().is_none(),
        "the authenticator app is gone"
    );
    assert_eq!(
        app.call::<CurrentAccount>(&[], Some(&priya_token)).await.app_error(),
        AppError::Unauthorized,
        "whoever holds the lost device is signed out"
    );
    let mail = app.outbox_with_subject("Your two-factor authentication was reset");
    assert_eq!(mail.len(), 1);
    assert!(mail[0].to_string().contains("priya.shah@harperlowe.example"));
    assert!(mail[0].to_string().contains("Alex Morgan (an Admin of Harper & Lowe LLP)"));
    let logged = security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(priya.id))
        .filter(security_event::Column::Kind.eq("two_factor_reset_by_admin"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.detail.as_deref(), Some("By Alex Morgan, Harper & Lowe LLP"));
    // The member signs in with the password alone now.
    sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
}

#[tokio::test]
async fn sign_out_all_members_needs_the_password_and_the_typed_name() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let admin_elsewhere = app.sign_in_with(DEMO_EMAIL, DEMO_PASSWORD, "", "198.51.100.20").await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let marcus = sign_in_colleague(&app, "Marcus Lee", "198.51.100.8").await;
    let dana = sign_in_colleague(&app, "Dana Reyes", "198.51.100.9").await;

    let typo = app
        .call::<SignOutAllMembers>(
            &[("password", DEMO_PASSWORD), ("confirmation", "Harper")],
            Some(&admin),
        )
        .await;
    assert_eq!(typo.status, 422);
    assert!(typo.app_error().message_for("confirmation").is_some());
    let wrong = app
        .call::<SignOutAllMembers>(
            &[("password", "not the password"), ("confirmation", HARPER)],
            Some(&admin),
        )
        .await;
    assert!(wrong.app_error().message_for("password").is_some());
    let by_member = app
        .call::<SignOutAllMembers>(
            &[("password", DEMO_PASSWORD), ("confirmation", HARPER)],
            Some(&priya),
        )
        .await;
    assert_eq!(by_member.app_error(), app::backend::scope::not_an_admin());

    let done = app
        .call::<SignOutAllMembers>(
            &[("password", DEMO_PASSWORD), ("confirmation", " harper & lowe llp ")],
            Some(&admin),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.text());
    assert_eq!(done.json::<u64>(), 3, "Priya, Marcus and the Admin's other session");
    for token in [&priya, &marcus, &admin_elsewhere] {
        assert_eq!(
            app.call::<CurrentAccount>(&[], Some(token)).await.app_error(),
            AppError::Unauthorized
        );
    }
    assert!(
        app.call::<CurrentAccount>(&[], Some(&admin)).await.status.is_success(),
        "the Admin's own stays"
    );
    assert!(
        app.call::<CurrentAccount>(&[], Some(&dana)).await.status.is_success(),
        "another company's people are not touched"
    );
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_at_sign_out_all_members_gets_five_checks_and_ends_nothing() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let priya = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let burst = (0..60).map(|i| {
        let password = format!("wrong-password-{i}");
        let app = &app;
        let admin = admin.clone();
        async move {
            app.call::<SignOutAllMembers>(
                &[("password", &password), ("confirmation", HARPER)],
                Some(&admin),
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(burst).await;
    let checked =
        replies.iter().filter(|r| r.app_error().message_for("password").is_some()).count();
    let limited = replies.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, limited), (5, 55));
    assert!(app.call::<CurrentAccount>(&[], Some(&priya)).await.status.is_success());
}
