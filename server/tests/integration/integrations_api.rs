//! The integrations API through the real router: tokens, refusals that store nothing, and
//! reports that notify the case's assignee (with negative sentiment for unhappy clients).

use app::backend::entities::{client_communication, notification};
use app::company_settings::api::{CreateApiToken, CreatedApiToken, RevokeApiToken};
use app::error::AppError;
use app::shell::api::SwitchCompany;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::harness::{Reply, TestApp, from_address, spawn};

use crate::notification_center::{
    DEMO, case_by_number, company_id, deliveries_of, notifications_of, user_named,
};

/// Posts JSON to the integrations API with an optional bearer token.
pub(crate) async fn post_report(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &str,
) -> Reply {
    let mut builder = Request::post(path).header(header::CONTENT_TYPE, content_type);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let mut request = builder.body(Body::from(body.to_owned())).unwrap();
    request.extensions_mut().insert(from_address("192.0.2.80"));
    app.send(request).await
}

pub(crate) async fn api_token(app: &TestApp, session: &str) -> String {
    let created: CreatedApiToken =
        app.call::<CreateApiToken>(&[("name", "Front desk phones")], Some(session)).await.json();
    assert!(created.token.starts_with("kayse_") && created.view.prefix.starts_with("kayse_"));
    created.token
}

async fn stored_counts(app: &TestApp) -> (u64, u64) {
    (
        client_communication::Entity::find().count(&app.state.db).await.unwrap(),
        notification::Entity::find().count(&app.state.db).await.unwrap(),
    )
}

#[tokio::test]
async fn the_integrations_api_refuses_bad_input_and_stores_nothing() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let good = r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Please call me back."}"#;
    let before = stored_counts(&app).await;
    let json = "application/json";

    let cases: Vec<(Option<&str>, &str, &str, StatusCode, &str)> = vec![
        (None, json, good, StatusCode::UNAUTHORIZED, "API token"),
        (
            Some("kayse_0000000000000000000000000000000000000000000000000000000000000000"),
            json,
            good,
            StatusCode::UNAUTHORIZED,
            "API token",
        ),
        (Some("not-a-token"), json, good, StatusCode::UNAUTHORIZED, "API token"),
        (Some(&token), "text/plain", good, StatusCode::UNSUPPORTED_MEDIA_TYPE, "JSON"),
        (Some(&token), json, "{not json", StatusCode::BAD_REQUEST, "not valid"),
        (
            Some(&token),
            json,
            r#"{"case": "HL-2026-014", "from": "Maria Smith"}"#,
            StatusCode::BAD_REQUEST,
            "text",
        ),
        (
            Some(&token),
            json,
            r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "   "}"#,
            StatusCode::BAD_REQUEST,
            "must not be empty",
        ),
        (
            Some(&token),
            json,
            r#"{"case": "HL-1999-999", "from": "Maria Smith", "text": "Hello"}"#,
            StatusCode::NOT_FOUND,
            "HL-1999-999",
        ),
        // Invisible characters that would hide or reorder what staff read.
        (
            Some(&token),
            json,
            r#"{"case": "HL-2026-014", "from": "Maria\u202eSmith", "text": "Hello"}"#,
            StatusCode::BAD_REQUEST,
            "invisible",
        ),
        (
            Some(&token),
            json,
            r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Pay \u2066today\u2069 please"}"#,
            StatusCode::BAD_REQUEST,
            "invisible",
        ),
        (
            Some(&token),
            json,
            r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Hi\u2060there"}"#,
            StatusCode::BAD_REQUEST,
            "invisible",
        ),
        // A case of another company is exactly as unknown.
        (
            Some(&token),
            json,
            r#"{"case": "RLG-114", "from": "Maria Smith", "text": "Hello"}"#,
            StatusCode::NOT_FOUND,
            "RLG-114",
        ),
    ];
    for (bearer, content_type, body, status, says) in cases {
        let reply =
            post_report(&app, "/integrations/v1/messages", bearer, content_type, body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text());
        let error: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert!(error["error"].as_str().unwrap().contains(says), "{}", reply.text());
    }
    let call = post_report(
        &app,
        "/integrations/v1/calls",
        Some(&token),
        json,
        r#"{"case": "HL-2026-014", "from": "M", "status": "busy"}"#,
    )
    .await;
    assert_eq!(call.status, StatusCode::BAD_REQUEST, "{}", call.text());
    assert_eq!(stored_counts(&app).await, before, "nothing was stored");

    // A revoked token stops at once.
    let list: app::company_settings::api::CompanyTokens =
        app.call::<app::company_settings::api::ListApiTokens>(&[], Some(&session)).await.json();
    let id = list.tokens[0].id.to_string();
    assert!(app.call::<RevokeApiToken>(&[("id", &id)], Some(&session)).await.status.is_success());
    assert_eq!(
        post_report(&app, "/integrations/v1/messages", Some(&token), json, good).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Only an Admin creates tokens: at Reyes Legal Group the demo person is a User.
    let reyes = company_id(&app, "Reyes Legal Group").await;
    app.call::<SwitchCompany>(&[("company_id", &reyes.to_string())], Some(&session)).await;
    let refused = app.call::<CreateApiToken>(&[("name", "Mine")], Some(&session)).await;
    assert!(matches!(refused.app_error(), AppError::Rejected(_)));
}

#[tokio::test]
async fn messages_and_calls_notify_the_assignee_and_unhappy_ones_raise_negative_sentiment() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let json = "application/json";

    let neutral = post_report(&app, "/integrations/v1/messages", Some(&token), json,
        r#"{"case": "HL-2026-014", "from": "Maria Smith", "text": "Could you send me the hearing date, please?"}"#).await;
    assert_eq!(neutral.status, StatusCode::CREATED, "{}", neutral.text());
    let body: serde_json::Value = serde_json::from_slice(&neutral.body).unwrap();
    assert_eq!(body["notifications"], 1);
    assert_eq!(body["negative_sentiment"], false);

    let unhappy = "This is unacceptable. I am furious that nobody has called me back in two weeks. Terrible service.";
    let negative = post_report(
        &app,
        "/integrations/v1/messages",
        Some(&token),
        json,
        &serde_json::json!({"case": "HL-2026-014", "from": "Maria Smith", "text": unhappy})
            .to_string(),
    )
    .await;
    assert_eq!(negative.status, StatusCode::CREATED, "{}", negative.text());
    let body: serde_json::Value = serde_json::from_slice(&negative.body).unwrap();
    assert_eq!(body["notifications"], 2);
    assert_eq!(body["negative_sentiment"], true);

    let missed = post_report(
        &app,
        "/integrations/v1/calls",
        Some(&token),
        json,
        r#"{"case": "HL-2025-188", "from": "Ana Garcia", "status": "missed"}"#,
    )
    .await;
    assert_eq!(missed.status, StatusCode::CREATED, "{}", missed.text());
    let angry_call = post_report(&app, "/integrations/v1/calls", Some(&token), json,
        r#"{"case": "HL-2025-188", "from": "Ana Garcia", "status": "answered", "duration_seconds": 240, "transcript": "I hate how this is going, you are useless and I am very angry."}"#).await;
    assert_eq!(angry_call.status, StatusCode::CREATED, "{}", angry_call.text());

    let mine = notifications_of(&app, DEMO).await;
    let events: Vec<&str> = mine.iter().map(|n| n.event.as_str()).collect();
    assert_eq!(events.iter().filter(|e| **e == "new_message").count(), 2, "{events:?}");
    assert_eq!(events.iter().filter(|e| **e == "negative_sentiment").count(), 2, "{events:?}");
    assert_eq!(events.iter().filter(|e| **e == "missed_call").count(), 1, "{events:?}");
    let quoted = mine
        .iter()
        .find(|n| n.event == "negative_sentiment" && n.body.contains("Maria Smith"))
        .unwrap();
    assert!(quoted.body.contains(unhappy), "the offending text is quoted: {}", quoted.body);
    assert!(mine.iter().any(|n| n.event == "negative_sentiment" && n.body.contains("In a call")));
    // Negative sentiment emails by default; new messages do not.
    assert_eq!(deliveries_of(&app, quoted.id).await, vec!["email".to_owned()]);
    let plain = mine.iter().find(|n| n.event == "new_message").unwrap();
    assert!(deliveries_of(&app, plain.id).await.is_empty());
    assert_eq!(client_communication::Entity::find().count(&app.state.db).await.unwrap(), 4);

    // A case with nobody assigned: stored, nobody notified.
    let unassigned = post_report(
        &app,
        "/integrations/v1/messages",
        Some(&token),
        json,
        r#"{"case": "HL-2026-030", "from": "Wei Chen", "text": "Hello"}"#,
    )
    .await;
    let body: serde_json::Value = serde_json::from_slice(&unassigned.body).unwrap();
    assert_eq!(body["notifications"], 0);
}

#[tokio::test]
async fn a_case_assigned_through_the_api_notifies_the_member_who_takes_it() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    let json = "application/json";
    let priya = user_named(&app, "Priya Shah").await;
    let chen = case_by_number(&app, "HL-2026-030").await;

    // A member of another company is refused, and nothing changes.
    let outsider = post_report(
        &app,
        "/integrations/v1/assignments",
        Some(&token),
        json,
        r#"{"case": "HL-2026-030", "assignee": "dana.reyes@reyeslegal.example"}"#,
    )
    .await;
    assert_eq!(outsider.status, StatusCode::BAD_REQUEST, "{}", outsider.text());
    assert_eq!(case_by_number(&app, "HL-2026-030").await.assignee_id, None);

    let reply = post_report(
        &app,
        "/integrations/v1/assignments",
        Some(&token),
        json,
        r#"{"case": "HL-2026-030", "assignee": "Priya.Shah@harperlowe.example"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(case_by_number(&app, "HL-2026-030").await.assignee_id, Some(priya.id));
    let hers = notifications_of(&app, priya.id).await;
    assert_eq!(hers.len(), 1);
    assert_eq!((hers[0].event.as_str(), hers[0].case_id), ("case_assigned", chen.id));
}
