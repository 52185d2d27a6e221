//! The event sources added with the full notification set: documents, forms, campaign
//! updates, answered calls, mentions and case changes through the integrations API; case
//! details and "Mark done" in the app. Each reaches the firm as each person's filters say.

use app::backend::entities::{case, client_communication, notification, task};
use app::cases::api::{AssignCase, CaseDetail, CompleteTask, UpdateCaseDetails};
use app::notifications::api::SettingsScope;
use app::notifications::events::Event;
use app::notifications::filters::{Filters, Messenger};
use app::notifications::server as preferences;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::harness::{TestApp, spawn};
use crate::integrations_api::{api_token, post_report};
use crate::members::sign_in_colleague;
use crate::notification_center::{DEMO, case_by_number, notifications_of, user_named};

const JSON: &str = "application/json";

/// The events a person has been told of, as (event key, title, body), oldest first.
async fn told(app: &TestApp, user_id: i32) -> Vec<(String, String, String)> {
    notifications_of(app, user_id).await.into_iter().map(|n| (n.event, n.title, n.body)).collect()
}

async fn events_of(app: &TestApp, user_id: i32) -> Vec<String> {
    told(app, user_id).await.into_iter().map(|(event, ..)| event).collect()
}

/// Everything a refused request could have written.
async fn stored(app: &TestApp) -> (u64, u64, Vec<case::Model>) {
    (
        client_communication::Entity::find().count(&app.state.db).await.unwrap(),
        notification::Entity::find().count(&app.state.db).await.unwrap(),
        case::Entity::find().all(&app.state.db).await.unwrap(),
    )
}

/// Priya hears about every case of the firm; Marcus keeps the defaults (his own cases).
async fn priya_follows_the_whole_firm(app: &TestApp) -> i32 {
    let priya = user_named(app, "Priya Shah").await;
    let firm_wide = Filters { only_assigned_to_me: false, ..Filters::default() };
    preferences::set_filters(&app.state.db, priya.id, SettingsScope::Defaults, firm_wide)
        .await
        .unwrap();
    priya.id
}

#[tokio::test]
async fn documents_forms_campaigns_calls_and_case_changes_reach_the_firm_by_its_filters() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let priya = priya_follows_the_whole_firm(&app).await;
    let marcus = user_named(&app, "Marcus Lee").await.id;

    let reports = [
        (
            "/integrations/v1/documents",
            r#"{"case": "HL-2026-014", "name": "Police report.pdf", "uploaded_by": "Front desk"}"#,
            "document_uploaded",
            "Front desk added “Police report.pdf”.",
        ),
        (
            "/integrations/v1/forms",
            r#"{"case": "HL-2026-014", "form": "Medical authorisation", "submitted_by": "Maria Smith"}"#,
            "form_submitted",
            "Maria Smith submitted “Medical authorisation”.",
        ),
        (
            "/integrations/v1/campaigns",
            r#"{"case": "HL-2026-014", "campaign": "Spring check-in", "client": "Maria Smith", "update": "opted_out"}"#,
            "campaign_update",
            "Maria Smith left “Spring check-in”.",
        ),
        (
            "/integrations/v1/calls",
            r#"{"case": "HL-2026-014", "from": "Maria Smith", "status": "answered", "duration_seconds": 125}"#,
            "call_completed",
            "A call with Maria Smith ended after 2 min 5 s.",
        ),
    ];
    for (path, body, event, words) in reports {
        let reply = post_report(&app, path, Some(&token), JSON, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.text());
        let answer: serde_json::Value = reply.json();
        assert_eq!(answer["notifications"], 2, "{path}: the assignee and Priya");
        for person in [DEMO, priya] {
            let last = told(&app, person).await.pop().unwrap();
            assert_eq!((last.0.as_str(), last.2.as_str()), (event, words), "{path}");
        }
        assert!(events_of(&app, marcus).await.is_empty(), "{path}: not Marcus's case");
    }
    let stored_document = client_communication::Entity::find()
        .filter(client_communication::Column::Kind.eq("document"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored_document.subject.as_deref(), Some("Police report.pdf"));

    // An unhappy reply to a campaign is also "Negative sentiment".
    let reply = post_report(
        &app,
        "/integrations/v1/campaigns",
        Some(&token),
        JSON,
        r#"{"case": "HL-2026-014", "campaign": "Spring check-in", "client": "Maria Smith",
            "update": "replied", "text": "This is terrible, nobody has called me back in weeks. I am furious."}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json::<serde_json::Value>()["negative_sentiment"], true);
    let mut last_two = events_of(&app, DEMO).await;
    let last_two = last_two.split_off(last_two.len() - 2);
    assert_eq!(last_two, ["campaign_update", "negative_sentiment"]);

    // A change through the API: "Case updated" for the firm, the row changed.
    let reply = post_report(
        &app,
        "/integrations/v1/case-updates",
        Some(&token),
        JSON,
        r#"{"case": "HL-2026-014", "status": "Discovery", "priority": "urgent"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json::<serde_json::Value>()["notifications"], 2);
    let (event, title, body) = told(&app, priya).await.pop().unwrap();
    assert_eq!(event, "case_updated");
    assert_eq!(title, "Case updated: HL-2026-014 · Smith v. Ridgeway Logistics");
    assert_eq!(body, "Status: Open → Discovery; Priority: High → Urgent (by your firm's systems)");
    let smith = case_by_number(&app, "HL-2026-014").await;
    assert_eq!((smith.status.as_str(), smith.priority.as_str()), ("Discovery", "urgent"));
    // The same change again changes nothing and tells nobody.
    let again = post_report(
        &app,
        "/integrations/v1/case-updates",
        Some(&token),
        JSON,
        r#"{"case": "HL-2026-014", "status": "Discovery"}"#,
    )
    .await;
    assert_eq!(again.json::<serde_json::Value>()["notifications"], 0);
}

#[tokio::test]
async fn every_bad_report_to_the_new_endpoints_is_refused_and_stores_nothing() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let before = stored(&app).await;
    let refusals: Vec<(&str, &str, StatusCode, &str)> = vec![
        (
            "/integrations/v1/documents",
            r#"{"case": "HL-2026-014", "uploaded_by": "X"}"#,
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            "/integrations/v1/documents",
            r#"{"case": "HL-2026-014", "name": " ", "uploaded_by": "X"}"#,
            StatusCode::BAD_REQUEST,
            "must not be empty",
        ),
        (
            "/integrations/v1/documents",
            r#"{"case": "HL-2026-014", "name": "a\u202egpj.exe", "uploaded_by": "X"}"#,
            StatusCode::BAD_REQUEST,
            "invisible",
        ),
        (
            "/integrations/v1/documents",
            r#"{"case": "RLG-114", "name": "a.pdf", "uploaded_by": "X"}"#,
            StatusCode::NOT_FOUND,
            "RLG-114",
        ),
        (
            "/integrations/v1/documents",
            r#"{"case": "HL-2026-014", "name": "a.pdf", "uploaded_by": "X", "size": 5}"#,
            StatusCode::BAD_REQUEST,
            "size",
        ),
        (
            "/integrations/v1/forms",
            r#"{"case": "HL-2026-014", "form": "Intake"}"#,
            StatusCode::BAD_REQUEST,
            "submitted_by",
        ),
        (
            "/integrations/v1/forms",
            r#"{"case": "HL-9", "form": "Intake", "submitted_by": "M"}"#,
            StatusCode::NOT_FOUND,
            "HL-9",
        ),
        (
            "/integrations/v1/campaigns",
            r#"{"case": "HL-2026-014", "campaign": "C", "client": "M", "update": "replied"}"#,
            StatusCode::BAD_REQUEST,
            "for a reply",
        ),
        (
            "/integrations/v1/campaigns",
            r#"{"case": "HL-2026-014", "campaign": "C", "client": "M", "update": "completed", "text": "hi"}"#,
            StatusCode::BAD_REQUEST,
            "only for",
        ),
        (
            "/integrations/v1/campaigns",
            r#"{"case": "HL-2026-014", "campaign": "C", "client": "M", "update": "bounced"}"#,
            StatusCode::BAD_REQUEST,
            "bounced",
        ),
        (
            "/integrations/v1/case-updates",
            r#"{"case": "HL-2026-014"}"#,
            StatusCode::BAD_REQUEST,
            "at least one",
        ),
        (
            "/integrations/v1/case-updates",
            r#"{"case": "HL-2026-014", "priority": "critical"}"#,
            StatusCode::BAD_REQUEST,
            "priority",
        ),
        (
            "/integrations/v1/case-updates",
            r#"{"case": "HL-2026-014", "status": ""}"#,
            StatusCode::BAD_REQUEST,
            "must not be empty",
        ),
        (
            "/integrations/v1/case-updates",
            r#"{"case": "RLG-114", "status": "Closed"}"#,
            StatusCode::NOT_FOUND,
            "RLG-114",
        ),
        (
            "/integrations/v1/messages",
            r#"{"case": "HL-2026-014", "from": "M", "text": "Hi", "mentions": ["dana.reyes@reyeslegal.example"]}"#,
            StatusCode::BAD_REQUEST,
            "not a member",
        ),
        (
            "/integrations/v1/messages",
            r#"{"case": "HL-2026-014", "from": "M", "text": "Hi", "mentions": ["nobody@example.com"]}"#,
            StatusCode::BAD_REQUEST,
            "not a member",
        ),
    ];
    for (path, body, status, says) in refusals {
        let reply = post_report(&app, path, Some(&token), JSON, body).await;
        assert_eq!(reply.status, status, "{path} {body}: {}", reply.text());
        let error: serde_json::Value = reply.json();
        assert!(error["error"].as_str().unwrap().contains(says), "{path} {body}: {}", reply.text());
        assert!(post_report(&app, path, None, JSON, body).await.status == StatusCode::UNAUTHORIZED);
    }
    assert_eq!(stored(&app).await, before, "nothing was stored or changed");
}

#[tokio::test]
async fn mentions_and_the_messenger_filter_decide_who_hears_a_message() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let priya = user_named(&app, "Priya Shah").await.id;
    let marcus = user_named(&app, "Marcus Lee").await.id;
    let mentions_only = Filters { messenger: Messenger::MentionsOnly, ..Filters::default() };
    preferences::set_filters(&app.state.db, DEMO, SettingsScope::Defaults, mentions_only)
        .await
        .unwrap();
    let everything = Filters { messenger: Messenger::All, ..Filters::default() };
    preferences::set_filters(&app.state.db, marcus, SettingsScope::Defaults, everything)
        .await
        .unwrap();
    let message = r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Ask Priya please",
        "mentions": ["priya.shah@harperlowe.example", "PRIYA.SHAH@harperlowe.example"]}"#;
    let reply = post_report(&app, "/integrations/v1/messages", Some(&token), JSON, message).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    // The demo person is the assignee but wants mentions only; Priya is mentioned, but her
    // (default) messenger filter is "Assigned only"; Marcus wants all messages.
    assert!(events_of(&app, DEMO).await.is_empty());
    assert!(events_of(&app, priya).await.is_empty());
    assert_eq!(events_of(&app, marcus).await, ["new_message"]);

    let mentions_only = Filters { messenger: Messenger::MentionsOnly, ..Filters::default() };
    preferences::set_filters(&app.state.db, priya, SettingsScope::Defaults, mentions_only)
        .await
        .unwrap();
    post_report(&app, "/integrations/v1/messages", Some(&token), JSON, message).await;
    assert_eq!(events_of(&app, priya).await, ["new_message"], "mentioned, once");
    assert!(events_of(&app, DEMO).await.is_empty(), "not mentioned");
}

/// An Admin's "Save changes" on a case's details.
async fn change_case(
    app: &TestApp,
    case_id: i32,
    token: &str,
    status: &str,
    case_type: &str,
    priority: &str,
) -> crate::harness::Reply {
    let id = case_id.to_string();
    let form = [
        ("case_id", id.as_str()),
        ("status", status),
        ("case_type", case_type),
        ("priority", priority),
    ];
    app.call::<UpdateCaseDetails>(&form, Some(token)).await
}

#[tokio::test]
async fn an_admin_changes_a_case_and_the_people_on_it_hear_it() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let priya = user_named(&app, "Priya Shah").await;
    let marcus = user_named(&app, "Marcus Lee").await;
    let estate = case_by_number(&app, "HL-2026-021").await; // Priya's, Probate, Normal
    // Refused: a status off the list, an empty type, a Member.
    let reply = change_case(&app, estate.id, &admin, "Whenever", "Probate", "Normal").await;
    assert!(reply.app_error().message_for("status").is_some(), "{}", reply.text());
    let reply = change_case(&app, estate.id, &admin, "Open", "  ", "Normal").await;
    assert!(reply.app_error().message_for("case_type").is_some(), "{}", reply.text());
    let priya_session = sign_in_colleague(&app, "Priya Shah", "198.51.100.41").await;
    let reply = change_case(&app, estate.id, &priya_session, "Closed", "Probate", "Low").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "Admins only, as everywhere: {}", reply.text());
    assert_eq!(case_by_number(&app, "HL-2026-021").await, estate, "nothing changed");
    assert!(events_of(&app, priya.id).await.is_empty());

    let reply = change_case(&app, estate.id, &admin, "Discovery", "Probate", "Urgent").await;
    let detail: CaseDetail = reply.json();
    assert_eq!(detail.case.status, "Discovery");
    assert_eq!(detail.case.priority, app::case_priority::Priority::Urgent);
    let (event, _, body) = told(&app, priya.id).await.pop().unwrap();
    assert_eq!(event, "case_updated");
    assert_eq!(body, "Status: Open → Discovery; Priority: Normal → Urgent (by Alex Morgan)");
    assert!(events_of(&app, DEMO).await.is_empty(), "not told of one's own change");

    // Reassigned: the new assignee hears "Case assigned", the previous one "Case updated".
    let before_priya = events_of(&app, priya.id).await.len();
    let reply = app
        .call::<AssignCase>(
            &[("case_id", &estate.id.to_string()), ("assignee_id", &marcus.id.to_string())],
            Some(&admin),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
    assert_eq!(events_of(&app, marcus.id).await, ["case_assigned"]);
    let (event, _, body) = told(&app, priya.id).await.pop().unwrap();
    assert_eq!(events_of(&app, priya.id).await.len(), before_priya + 1);
    assert_eq!(event, "case_updated");
    assert_eq!(body, "Assignee: Priya Shah → Marcus Lee (by Alex Morgan)");
}

#[tokio::test]
async fn mark_done_tells_the_case_once_even_when_clicked_sixty_times_at_once() {
    let app = spawn().await;
    let admin = app.sign_in_demo().await;
    let priya = user_named(&app, "Priya Shah").await;
    let marcus = user_named(&app, "Marcus Lee").await;
    let estate = case_by_number(&app, "HL-2026-021").await;
    // The case moves to Marcus; the task stays Priya's.
    app.call::<AssignCase>(
        &[("case_id", &estate.id.to_string()), ("assignee_id", &marcus.id.to_string())],
        Some(&admin),
    )
    .await;
    let inventory = task::Entity::find()
        .filter(task::Column::CaseId.eq(estate.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inventory.assignee_id, Some(priya.id));

    // Not hers: Marcus is neither the task's assignee nor an Admin.
    let marcus_session = sign_in_colleague(&app, "Marcus Lee", "198.51.100.42").await;
    let refused = app
        .call::<CompleteTask>(&[("task_id", &inventory.id.to_string())], Some(&marcus_session))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());

    let priya_session = sign_in_colleague(&app, "Priya Shah", "198.51.100.43").await;
    let id = inventory.id.to_string();
    let clicks = (0..60).map(|_| {
        let (app, id, session) = (&app, id.clone(), priya_session.clone());
        async move { app.call::<CompleteTask>(&[("task_id", &id)], Some(&session)).await }
    });
    for reply in futures_util::future::join_all(clicks).await {
        assert!(reply.status.is_success(), "{}", reply.text());
    }
    let done = task::Entity::find_by_id(inventory.id).one(&app.state.db).await.unwrap().unwrap();
    assert!(done.completed_at.is_some());
    assert_eq!(
        told(&app, marcus.id).await.into_iter().filter(|(e, ..)| e == "task_completed").count(),
        1,
        "the case's assignee hears it once"
    );
    let (_, _, body) = told(&app, marcus.id).await.pop().unwrap();
    assert_eq!(body, "Priya Shah marked “Send estate inventory to the court” done.");
    assert!(
        !events_of(&app, priya.id).await.contains(&"task_completed".to_owned()),
        "not told of one's own click"
    );
    assert_eq!(Event::from_key("task_completed"), Some(Event::TaskCompleted));
}
