//! The Notifications tab: the defaults, each switch stored on its own, the lead time.

use app::notifications::api::{
    GetNotificationPreferences, Preferences, SetNotificationPreference, SetTaskDueLead,
};
use app::notifications::events::{Delivery, Event};

use crate::harness::{DEMO_PASSWORD, TestApp, spawn};

async fn preferences(app: &TestApp, token: &str) -> Preferences {
    app.call::<GetNotificationPreferences>(&[], Some(token)).await.json()
}

fn delivery(preferences: &Preferences, event: Event) -> Delivery {
    preferences.matrix.iter().find(|(e, _)| *e == event).map(|(_, d)| *d).unwrap()
}

#[tokio::test]
async fn a_new_person_gets_the_defaults() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let prefs = preferences(&app, &token).await;
    let order: Vec<Event> = prefs.matrix.iter().map(|(e, _)| *e).collect();
    assert_eq!(order, Event::ALL);
    for (event, delivery) in &prefs.matrix {
        assert_eq!(*delivery, event.defaults());
    }
    assert_eq!(prefs.task_due_lead_minutes, 1440);
}

#[tokio::test]
async fn each_switch_is_stored_on_its_own_and_for_this_person_only() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let saved: Delivery = app
        .call::<SetNotificationPreference>(
            &[
                ("scope", "Defaults"),
                ("event", "NewMessage"),
                ("method", "Email"),
                ("enabled", "true"),
            ],
            Some(&token),
        )
        .await
        .json();
    assert_eq!(saved, Delivery { in_app: true, email: true, push: false });
    app.call::<SetNotificationPreference>(
        &[
            ("scope", "Defaults"),
            ("event", "NewMessage"),
            ("method", "InApp"),
            ("enabled", "false"),
        ],
        Some(&token),
    )
    .await;
    app.call::<SetNotificationPreference>(
        &[
            ("scope", "Defaults"),
            ("event", "CaseAssigned"),
            ("method", "Push"),
            ("enabled", "true"),
        ],
        Some(&token),
    )
    .await;

    let prefs = preferences(&app, &token).await;
    assert_eq!(
        delivery(&prefs, Event::NewMessage),
        Delivery { in_app: false, email: true, push: false }
    );
    assert_eq!(
        delivery(&prefs, Event::CaseAssigned),
        Delivery { in_app: true, email: true, push: true }
    );
    assert_eq!(delivery(&prefs, Event::TaskDue), Event::TaskDue.defaults());

    // Another person still has the defaults.
    let demo = <app::backend::entities::user::Entity as sea_orm::EntityTrait>::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut other = sea_orm::IntoActiveModel::into_active_model(demo);
    other.id = sea_orm::ActiveValue::NotSet;
    other.email = sea_orm::Set("someone@kayse.test".into());
    sea_orm::ActiveModelTrait::insert(other, &app.state.db).await.unwrap();
    let someone = app.sign_in_as("someone@kayse.test", DEMO_PASSWORD).await;
    assert_eq!(
        delivery(&preferences(&app, &someone).await, Event::NewMessage),
        Event::NewMessage.defaults()
    );
}

#[tokio::test]
async fn the_task_due_lead_time_is_one_of_the_offered_ones() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    assert_eq!(
        app.call::<SetTaskDueLead>(&[("minutes", "60")], Some(&token)).await.json::<i32>(),
        60
    );
    assert_eq!(preferences(&app, &token).await.task_due_lead_minutes, 60);
    let refused = app.call::<SetTaskDueLead>(&[("minutes", "7")], Some(&token)).await;
    assert!(refused.app_error().message_for("task_due_lead").is_some());
    assert_eq!(preferences(&app, &token).await.task_due_lead_minutes, 60);
    // Signed out: nothing.
    assert!(!app.call::<SetTaskDueLead>(&[("minutes", "15")], None).await.status.is_success());
    let unknown = app
        .call::<SetNotificationPreference>(
            &[("scope", "Defaults"), ("event", "Nope"), ("method", "Email"), ("enabled", "true")],
            Some(&token),
        )
        .await;
    assert!(!unknown.status.is_success());
}
