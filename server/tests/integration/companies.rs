//! Multiple companies: switching, the current company, a removed membership.

use app::backend::entities::{case, company, membership, user};
use app::cases::api::{CaseSummary, GetCase, ListCases};
use app::error::AppError;
use app::shell::api::SwitchCompany;
use app::shell::api::{AccountSummary, CurrentAccount};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, TestApp, spawn};

async fn company_id(app: &TestApp, name: &str) -> i32 {
    company::Entity::find()
        .filter(company::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn account(app: &TestApp, token: &str) -> AccountSummary {
    app.call::<CurrentAccount>(&[], Some(token)).await.json()
}

async fn case_numbers(app: &TestApp, token: &str) -> Vec<String> {
    let cases: Vec<CaseSummary> =
        app.call::<ListCases>(&[("search", "")], Some(token)).await.json();
    cases.into_iter().map(|c| c.number).collect()
}

#[tokio::test]
async fn switching_changes_what_every_list_shows() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let summary = account(&app, &token).await;
    assert_eq!(summary.company_name.as_deref(), Some("Harper & Lowe LLP"));
    let names: Vec<_> = summary.companies.iter().map(|c| (c.name.as_str(), c.current)).collect();
    assert_eq!(names, [("Harper & Lowe LLP", true), ("Reyes Legal Group", false)]);
    assert!(case_numbers(&app, &token).await.iter().all(|n| n.starts_with("HL-")));

    let reyes = company_id(&app, "Reyes Legal Group").await;
    assert!(
        app.call::<SwitchCompany>(&[("company_id", &reyes.to_string())], Some(&token))
            .await
            .status
            .is_success()
    );
    assert_eq!(account(&app, &token).await.company_name.as_deref(), Some("Reyes Legal Group"));
    let numbers = case_numbers(&app, &token).await;
    assert!(!numbers.is_empty() && numbers.iter().all(|n| n.starts_with("RLG-")), "{numbers:?}");
}

#[tokio::test]
async fn switching_to_a_company_one_does_not_belong_to_is_refused() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let outsider = app::backend::entities::company::ActiveModel {
        name: sea_orm::Set("Unrelated Firm".into()),
        created_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    };
    let outsider = sea_orm::ActiveModelTrait::insert(outsider, &app.state.db).await.unwrap();
    let reply =
        app.call::<SwitchCompany>(&[("company_id", &outsider.id.to_string())], Some(&token)).await;
    assert_eq!(reply.app_error(), AppError::NotFound);
    assert_eq!(account(&app, &token).await.company_name.as_deref(), Some("Harper & Lowe LLP"));
}

#[tokio::test]
async fn each_session_works_in_its_own_company_and_the_last_one_returns_at_sign_in() {
    let app = spawn().await;
    let laptop = app.sign_in_demo().await;
    let phone = app.sign_in_demo().await;
    let reyes = company_id(&app, "Reyes Legal Group").await;
    app.call::<SwitchCompany>(&[("company_id", &reyes.to_string())], Some(&phone)).await;
    assert_eq!(account(&app, &laptop).await.company_name.as_deref(), Some("Harper & Lowe LLP"));
    assert_eq!(account(&app, &phone).await.company_name.as_deref(), Some("Reyes Legal Group"));

    let next_time = app.sign_in_as(DEMO_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(account(&app, &next_time).await.company_name.as_deref(), Some("Reyes Legal Group"));
}

#[tokio::test]
async fn a_removed_membership_takes_effect_on_the_very_next_request() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let harper = company_id(&app, "Harper & Lowe LLP").await;
    let smith = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-014"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.call::<GetCase>(&[("id", &smith.id.to_string())], Some(&token))
            .await
            .status
            .is_success()
    );

    let demo = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(demo.id))
        .filter(membership::Column::CompanyId.eq(harper))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.call::<GetCase>(&[("id", &smith.id.to_string())], Some(&token)).await.app_error(),
        AppError::NotFound
    );
    assert!(
        case_numbers(&app, &token).await.iter().all(|n| n.starts_with("RLG-")),
        "moved to the remaining company"
    );
    let summary = account(&app, &token).await;
    assert_eq!(summary.company_name.as_deref(), Some("Reyes Legal Group"));
    assert_eq!(summary.companies.len(), 1);

    // No company left at all: told so, and nothing is shown.
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(demo.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.call::<ListCases>(&[("search", "")], Some(&token)).await.app_error(),
        AppError::NoCompany
    );
    assert_eq!(account(&app, &token).await.company_name, None);
}
