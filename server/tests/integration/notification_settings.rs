//! The Notifications tab's settings per company and its filters, through the server
//! functions: "Customize for <firm>", "Use my default settings", which set a change lands
//! in, and a filter that drops an event end to end.

use app::backend::entities::{notification_filter, notification_preference};
use app::error::AppError;
use app::notifications::api::{
    CustomizeNotifications, GetNotificationPreferences, Preferences, SetNotificationFilters,
    SetNotificationPreference, SettingsScope, UseDefaultNotificationSettings,
};
use app::notifications::events::{Delivery, Event};
use app::notifications::filters::{Filters, Messenger};
use app::notifications::server as preferences;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::harness::{TestApp, company_named, spawn};
use crate::integrations_api::{api_token, post_report};
use crate::notification_center::{DEMO, notifications_of};

async fn shown(app: &TestApp, token: &str) -> Preferences {
    let reply = app.call::<GetNotificationPreferences>(&[], Some(token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

fn delivery(preferences: &Preferences, event: Event) -> Delivery {
    preferences.matrix.iter().find(|(e, _)| *e == event).map(|(_, d)| *d).unwrap()
}

fn scope_form(scope: SettingsScope) -> Vec<(&'static str, String)> {
    match scope {
        SettingsScope::Defaults => vec![("scope", "Defaults".to_owned())],
        SettingsScope::Company(id) => vec![("scope[Company]", id.to_string())],
    }
}

async fn switch(
    app: &TestApp,
    token: &str,
    scope: SettingsScope,
    event: &str,
    method: &str,
    on: bool,
) -> crate::harness::Reply {
    let mut form = scope_form(scope);
    form.extend([
        ("event", event.to_owned()),
        ("method", method.to_owned()),
        ("enabled", on.to_string()),
    ]);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call::<SetNotificationPreference>(&form, Some(token)).await
}

async fn save_filters(
    app: &TestApp,
    token: &str,
    scope: SettingsScope,
    filters: &Filters,
) -> crate::harness::Reply {
    let mut form = scope_form(scope);
    for (index, name) in filters.case_types.iter().enumerate() {
        form.push((["filters[case_types][0]", "filters[case_types][1]"][index], name.clone()));
    }
    form.extend([
        ("filters[only_assigned_to_me]", filters.only_assigned_to_me.to_string()),
        ("filters[high_and_urgent_only]", filters.high_and_urgent_only.to_string()),
        ("filters[always_negative_sentiment]", filters.always_negative_sentiment.to_string()),
        ("filters[messenger]", format!("{:?}", filters.messenger)),
    ]);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call::<SetNotificationFilters>(&form, Some(token)).await
}

#[tokio::test]
async fn a_firm_gets_its_own_copy_of_the_defaults_and_can_give_it_back() {
    let app = spawn().await;
    let token = app.sign_in_demo().await; // working in Harper & Lowe LLP
    let harper = company_named(&app, "Harper & Lowe LLP").await.id;
    let reyes = company_named(&app, "Reyes Legal Group").await.id;

    let defaults = shown(&app, &token).await;
    assert_eq!(defaults.scope, SettingsScope::Defaults);
    let firm = defaults.firm.clone().unwrap();
    assert_eq!((firm.id, firm.name.as_str(), firm.own), (harper, "Harper & Lowe LLP", false));
    assert_eq!(defaults.filters, Filters::default());
    assert_eq!(
        defaults.case_types,
        ["Employment", "Family", "Immigration", "Personal injury", "Probate", "Real estate"],
        "the defaults offer the case types of every firm of the person"
    );
    assert_eq!(defaults.matrix.len(), 11);

    // A change to the defaults, then the copy: it starts as the defaults are now.
    assert!(
        switch(&app, &token, SettingsScope::Defaults, "NewMessage", "Email", true)
            .await
            .status
            .is_success()
    );
    let copy: Preferences = app.call::<CustomizeNotifications>(&[], Some(&token)).await.json();
    assert_eq!(copy.scope, SettingsScope::Company(harper));
    assert!(copy.firm.as_ref().unwrap().own);
    assert!(delivery(&copy, Event::NewMessage).email);
    assert_eq!(
        copy.case_types,
        ["Employment", "Immigration", "Personal injury", "Probate"],
        "a firm's copy offers that firm's case types"
    );

    // Changes to the copy stay in Harper; the defaults (Reyes) keep theirs.
    let harper_set = SettingsScope::Company(harper);
    assert!(
        switch(&app, &token, harper_set, "NewMessage", "InApp", false).await.status.is_success()
    );
    let only_probate = Filters { case_types: vec!["Probate".into()], ..Filters::default() };
    let saved = save_filters(&app, &token, harper_set, &only_probate).await;
    assert_eq!(saved.json::<Filters>(), only_probate, "{}", saved.text());
    let harper_now = preferences::deliveries(&app.state.db, DEMO, harper).await.unwrap();
    let reyes_now = preferences::deliveries(&app.state.db, DEMO, reyes).await.unwrap();
    let new_message =
        |m: &[(Event, Delivery)]| m.iter().find(|(e, _)| *e == Event::NewMessage).unwrap().1;
    assert_eq!(new_message(&harper_now), Delivery { in_app: false, email: true, push: false });
    assert_eq!(new_message(&reyes_now), Delivery { in_app: true, email: true, push: false });
    assert_eq!(shown(&app, &token).await.filters, only_probate);

    // A set that is not the person's to change.
    let reply =
        switch(&app, &token, SettingsScope::Company(reyes), "NewMessage", "Push", true).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "Reyes has no copy: {}", reply.text());
    let reply =
        switch(&app, &token, SettingsScope::Company(987_654), "NewMessage", "Push", true).await;
    assert_eq!(reply.app_error(), AppError::NotFound);
    let reply = switch(&app, &token, SettingsScope::Company(0), "NewMessage", "Push", true).await;
    assert_eq!(reply.app_error(), AppError::NotFound);

    // Filters are checked.
    let hidden = Filters { case_types: vec!["Pro\u{202e}bate".into()], ..Filters::default() };
    let reply = save_filters(&app, &token, harper_set, &hidden).await;
    assert!(reply.app_error().message_for("case_types").is_some(), "{}", reply.text());
    assert_eq!(
        shown(&app, &token).await.filters,
        only_probate,
        "the refused save kept the filters"
    );

    // "Use my default settings": the copy is gone, and a page still showing it is told.
    let back: Preferences =
        app.call::<UseDefaultNotificationSettings>(&[], Some(&token)).await.json();
    assert_eq!(back.scope, SettingsScope::Defaults);
    assert_eq!(back.filters, Filters::default());
    assert!(delivery(&back, Event::NewMessage).in_app);
    let reply = switch(&app, &token, harper_set, "NewMessage", "InApp", true).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text());
    assert!(reply.app_error().to_string().contains("Reload"));
    let left = notification_preference::Entity::find()
        .filter(notification_preference::Column::CompanyId.eq(harper))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn customizing_twenty_times_at_once_makes_one_copy() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let harper = company_named(&app, "Harper & Lowe LLP").await.id;
    let clicks = (0..20).map(|_| {
        let (app, token) = (&app, token.clone());
        async move { app.call::<CustomizeNotifications>(&[], Some(&token)).await }
    });
    for reply in futures_util::future::join_all(clicks).await {
        assert!(reply.status.is_success(), "{}", reply.text());
        assert_eq!(reply.json::<Preferences>().scope, SettingsScope::Company(harper));
    }
    let filters = notification_filter::Entity::find()
        .filter(notification_filter::Column::CompanyId.eq(harper))
        .count(&app.state.db)
        .await
        .unwrap();
    let rows = notification_preference::Entity::find()
        .filter(notification_preference::Column::CompanyId.eq(harper))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!((filters, rows), (1, 11));
}

#[tokio::test]
async fn a_filter_drops_an_event_and_negative_sentiment_can_pass_them_all() {
    let app = spawn().await;
    let session = app.sign_in_demo().await;
    let token = api_token(&app, &session).await;
    // HL-2026-014 is the demo person's, Personal injury, High; HL-2025-188 theirs too,
    // Employment, Urgent.
    let no_injury = Filters {
        case_types: vec!["Employment".into()],
        messenger: Messenger::All,
        ..Filters::default()
    };
    assert!(
        save_filters(&app, &session, SettingsScope::Defaults, &no_injury).await.status.is_success()
    );
    let unhappy = r#"{"case": "HL-2026-014", "from": "Maria Smith",
        "text": "This is terrible, nobody has called me back in weeks. I am furious."}"#;
    let reply =
        post_report(&app, "/integrations/v1/messages", Some(&token), "application/json", unhappy)
            .await;
    assert_eq!(reply.json::<serde_json::Value>()["notifications"], 0, "a Personal injury case");
    let employment = unhappy.replace("HL-2026-014", "HL-2025-188");
    post_report(&app, "/integrations/v1/messages", Some(&token), "application/json", &employment)
        .await;
    let events: Vec<String> =
        notifications_of(&app, DEMO).await.into_iter().map(|n| n.event).collect();
    assert_eq!(events, ["new_message", "negative_sentiment"]);

    // "Always tell me about negative sentiment" passes the case type filter.
    let always = Filters { always_negative_sentiment: true, ..no_injury };
    save_filters(&app, &session, SettingsScope::Defaults, &always).await;
    let reply =
        post_report(&app, "/integrations/v1/messages", Some(&token), "application/json", unhappy)
            .await;
    assert_eq!(reply.json::<serde_json::Value>()["notifications"], 1);
    let last = notifications_of(&app, DEMO).await.pop().unwrap();
    assert_eq!(last.event, "negative_sentiment");
}
