//! Cases across companies through the real router: an Admin assigns within the company
//! and a User cannot, and a link to a case of another company names that company, and
//! switches there, only for its members.

use app::backend::entities::{case, company, user};
use app::cases::api::{
    AssignCase, CaseCompany, CaseDetail, CompanyRef, GetCase, SwitchToCaseCompany,
};
use app::error::AppError;
use app::shell::api::SwitchCompany;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::spawn;
use crate::isolation::other_company;
use crate::notification_center::company_id;

#[tokio::test]
async fn an_admin_assigns_within_the_company_and_a_user_cannot() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let chen = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-030"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let marcus = user::Entity::find()
        .filter(user::Column::FullName.eq("Marcus Lee"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let detail: CaseDetail = app
        .call::<AssignCase>(
            &[("case_id", &chen.id.to_string()), ("assignee_id", &marcus.id.to_string())],
            Some(&token),
        )
        .await
        .json();
    assert_eq!(detail.case.assignee.as_deref(), Some("Marcus Lee"));
    assert!(
        detail.assignable.iter().any(|m| m.name == "Priya Shah"),
        "an Admin sees whom to assign"
    );

    // At Reyes Legal Group the demo person is a User.
    let reyes = company::Entity::find()
        .filter(company::Column::Name.eq("Reyes Legal Group"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.call::<SwitchCompany>(&[("company_id", &reyes.id.to_string())], Some(&token))
            .await
            .status
            .is_success()
    );
    let okafor = case::Entity::find()
        .filter(case::Column::Number.eq("RLG-114"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let detail: CaseDetail =
        app.call::<GetCase>(&[("id", &okafor.id.to_string())], Some(&token)).await.json();
    assert!(detail.assignable.is_empty());
    let tom = user::Entity::find()
        .filter(user::Column::FullName.eq("Tom Alvarez"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let reply = app
        .call::<AssignCase>(
            &[("case_id", &okafor.id.to_string()), ("assignee_id", &tom.id.to_string())],
            Some(&token),
        )
        .await;
    assert!(matches!(reply.app_error(), AppError::Rejected(_)));
}

#[tokio::test]
async fn a_link_to_a_case_of_another_company_names_that_company_only_to_its_members() {
    let app = spawn().await;
    let token = app.sign_in_demo().await; // working in Harper & Lowe LLP, a member of Reyes too
    let other = other_company(&app).await;
    let ask = |id: i32| {
        let app = &app;
        let token = token.clone();
        async move {
            app.call::<CaseCompany>(&[("case_id", &id.to_string())], Some(&token))
                .await
                .json::<Option<CompanyRef>>()
        }
    };
    let named = ask(other.case_ids[0]).await.expect("a Reyes case, for a Reyes member");
    assert_eq!(named.name, "Reyes Legal Group");

    // A case of the current company, and one that does not exist: nothing to switch to.
    let harper_case = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-030"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ask(harper_case.id).await, None);
    assert_eq!(ask(987_654).await, None);

    // No longer a member of Reyes: its cases are as unknown as missing ones.
    let demo = user::Entity::find()
        .filter(user::Column::Email.eq(crate::harness::DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    app::backend::entities::membership::Entity::delete_many()
        .filter(app::backend::entities::membership::Column::UserId.eq(demo.id))
        .filter(app::backend::entities::membership::Column::CompanyId.eq(named.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(ask(other.case_ids[0]).await, None);
    let signed_out =
        app.call::<CaseCompany>(&[("case_id", &other.case_ids[0].to_string())], None).await;
    assert_eq!(signed_out.app_error(), AppError::Unauthorized);
}

#[tokio::test]
async fn switching_to_a_linked_cases_company_works_only_for_its_members() {
    let app = spawn().await;
    let token = app.sign_in_demo().await; // working in Harper & Lowe LLP, a member of Reyes too
    let other = other_company(&app).await;
    let reyes_case = other.case_ids[0].to_string();
    assert_eq!(
        app.call::<GetCase>(&[("id", &reyes_case)], Some(&token)).await.app_error(),
        AppError::NotFound,
        "not visible from Harper & Lowe"
    );
    let switched = app.call::<SwitchToCaseCompany>(&[("case_id", &reyes_case)], Some(&token)).await;
    assert!(switched.status.is_success(), "{}", switched.text());
    let opened: CaseDetail = app.call::<GetCase>(&[("id", &reyes_case)], Some(&token)).await.json();
    assert_eq!(opened.case.id, other.case_ids[0]);

    // A case that does not exist, and one of a company the person has left: not found.
    let missing = app.call::<SwitchToCaseCompany>(&[("case_id", "987654")], Some(&token)).await;
    assert_eq!(missing.status, axum::http::StatusCode::NOT_FOUND);
    let harper = company_id(&app, "Harper & Lowe LLP").await;
    let harper_case = case::Entity::find()
        .filter(case::Column::CompanyId.eq(harper))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    app::backend::entities::membership::Entity::delete_many()
        .filter(app::backend::entities::membership::Column::CompanyId.eq(harper))
        .exec(&app.state.db)
        .await
        .unwrap();
    let left = app
        .call::<SwitchToCaseCompany>(&[("case_id", &harper_case.id.to_string())], Some(&token))
        .await;
    assert_eq!(left.app_error(), AppError::NotFound);
    let anonymous = app.call::<SwitchToCaseCompany>(&[("case_id", &reyes_case)], None).await;
    assert_eq!(anonymous.app_error(), AppError::Unauthorized);
}
