//! Company settings, Members (Admins): the list with how each member signs in, role
//! changes that never leave a company without an Admin (even when two Admins demote each
//! other at once), and "Sign out everywhere".

use app::backend::entities::{membership, user};
use app::company_settings::api::{CompanyMembers, ListMembers, SetMemberRole, SignOutMember};
use app::company_settings::members::LAST_ADMIN;
use app::error::AppError;
use app::shell::api::CurrentAccount;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, spawn};
use crate::security_tab::enable_two_factor;

const HARPER: &str = "Harper & Lowe LLP";

async fn person(app: &TestApp, full_name: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::FullName.eq(full_name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Gives a seeded colleague the demo password and signs them in (in Harper & Lowe).
async fn sign_in_colleague(app: &TestApp, full_name: &str, ip: &str) -> String {
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
    let harper = app::backend::entities::company::Entity::find()
        .filter(app::backend::entities::company::Column::Name.eq(HARPER))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
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
