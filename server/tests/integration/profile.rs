//! The Profile tab: saving, validation, photos, and the login-email change.

use app::backend::entities::{email_change, user};
use app::error::AppError;
use app::profile::api::{
    CancelEmailChange, ConfirmEmailChange, GetProfile, ListTimezones, ProfileView,
    RequestEmailChange, ResendEmailChange, SaveProfile, TIMEZONES_CACHE_CONTROL,
};
use axum::http::{StatusCode, header};
use leptos::server_fn::ServerFn;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Part, TestApp, png, spawn};

fn form(name: &str, phone: &str, timezone: &str) -> Vec<Part> {
    vec![
        Part::Text("full_name", name.into()),
        Part::Text("phone", phone.into()),
        Part::Text("timezone", timezone.into()),
        Part::Text("remove_photo", "false".into()),
    ]
}

fn with_photo(
    mut parts: Vec<Part>,
    file_name: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Vec<Part> {
    parts.push(Part::File { name: "photo", file_name, content_type, bytes });
    parts
}

async fn demo_user(app: &TestApp) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn good_input_is_stored_in_canonical_form() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let reply = app
        .call_multipart::<SaveProfile>(
            &form("  Alex M. Morgan  ", "(415) 555-2671", "Europe/London"),
            Some(&token),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
    let view: ProfileView = reply.json();
    assert_eq!(view.full_name, "Alex M. Morgan");
    assert_eq!(view.phone.as_deref(), Some("+1 415-555-2671"));
    assert_eq!(view.timezone, "Europe/London");

    let stored = demo_user(&app).await;
    assert_eq!(stored.phone.as_deref(), Some("+14155552671"), "E.164 in the database");
    assert_eq!(stored.full_name, "Alex M. Morgan");

    // Clearing the optional phone.
    let cleared: ProfileView = app
        .call_multipart::<SaveProfile>(&form("Alex Morgan", " ", "Europe/London"), Some(&token))
        .await
        .json();
    assert_eq!(cleared.phone, None);
    assert_eq!(
        app.call::<GetProfile>(&[], Some(&token)).await.json::<ProfileView>().full_name,
        "Alex Morgan"
    );
}

#[tokio::test]
async fn the_timezone_list_is_a_get_the_browser_may_keep_privately() {
    let app = spawn().await;
    let signed_out = app.get(ListTimezones::PATH, None).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(signed_out.headers[header::CACHE_CONTROL], "no-store", "an error is never kept");

    let token = app.sign_in_demo().await;
    let reply = app.get(ListTimezones::PATH, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers[header::CACHE_CONTROL], TIMEZONES_CACHE_CONTROL);
    assert!(TIMEZONES_CACHE_CONTROL.starts_with("private,"), "never in a shared cache");
    let names: Vec<String> = reply.json();
    assert!(names.len() > 400, "the whole IANA list, not a sample: {}", names.len());
    assert!(names.iter().any(|n| n == "Europe/London"));
    assert!(names.iter().any(|n| n == "America/New_York"));
}

#[tokio::test]
async fn the_profile_page_arrives_whole_and_filled_in() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let saved = app
        .call_multipart::<SaveProfile>(
            &form("Dana O'Neil", "(415) 555-2671", "Europe/London"),
            Some(&token),
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.text());

    let page = app.get("/settings/profile", Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    // Before its script runs, the page shows the person's own values, in place.
    assert!(html.contains(r#"value="Dana O'Neil""#), "{html}");
    assert!(html.contains(r#"value="+1 415-555-2671""#), "{html}");
    assert!(html.contains(r#"<option value="Europe/London" selected>"#), "{html}");
    assert!(html.contains("Harper &amp; Lowe LLP"), "the top bar's company, in place");
    // Nothing is left for a script to swap in.
    assert!(!html.contains("Loading"), "{html}");
    assert!(!html.contains("<template"), "{html}");
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_changes_nothing() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let before = demo_user(&app).await;
    for (name, phone, timezone, bad_fields) in [
        ("", "+14155552671", "UTC", vec!["full_name"]),
        ("Alex\u{202E}nagroM", "", "UTC", vec!["full_name"]),
        ("Alex\u{0000}", "", "UTC", vec!["full_name"]),
        // Invisible format characters beyond the bidi set: word joiner, soft hyphen, tags.
        ("Alex\u{2060}Morgan", "", "UTC", vec!["full_name"]),
        ("Alex\u{00AD}Morgan", "", "UTC", vec!["full_name"]),
        ("Alex\u{E0041}", "", "UTC", vec!["full_name"]),
        (&*"x".repeat(101), "", "UTC", vec!["full_name"]),
        ("Alex", "555", "UTC", vec!["phone"]),
        ("Alex", "+1 555 000", "UTC", vec!["phone"]),
        ("Alex", "", "Mars/Base", vec!["timezone"]),
        ("", "call me", "Nowhere", vec!["full_name", "phone", "timezone"]),
    ] {
        let reply =
            app.call_multipart::<SaveProfile>(&form(name, phone, timezone), Some(&token)).await;
        let AppError::Invalid { fields } = reply.app_error() else {
            panic!("expected field errors: {}", reply.text())
        };
        let mut got: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        got.sort();
        assert_eq!(got, bad_fields, "for {name:?} {phone:?} {timezone:?}");
        assert!(fields.iter().all(|f| !f.message.is_empty()));
    }
    assert_eq!(demo_user(&app).await, before);
}

#[tokio::test]
async fn a_photo_is_squared_resized_reencoded_and_served_by_content_address() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let mut photo = png(640, 480);
    photo.extend_from_slice(b"TRAILING-PAYLOAD");
    let reply = app
        .call_multipart::<SaveProfile>(
            &with_photo(form("Alex Morgan", "", "UTC"), "me.png", "image/png", photo),
            Some(&token),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
    let view: ProfileView = reply.json();
    let url = view.avatar_url.expect("an avatar URL");
    assert!(url.starts_with("/avatars/") && url.ends_with(".jpg"));

    let served = app.get(&url, Some(&token)).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type").as_deref(), Some("image/jpeg"));
    assert!(served.header("cache-control").unwrap().contains("immutable"));
    let decoded = image::load_from_memory(&served.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    assert!(!served.body.windows(16).any(|w| w == b"TRAILING-PAYLOAD"));
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND, "photos need a session");

    // Removing it returns to initials; the old address stops working.
    let mut parts = form("Alex Morgan", "", "UTC");
    parts[3] = Part::Text("remove_photo", "true".into());
    let removed: ProfileView = app.call_multipart::<SaveProfile>(&parts, Some(&token)).await.json();
    assert_eq!(removed.avatar_url, None);
    assert_eq!(removed.initials, "AM");
    assert_eq!(app.get(&url, Some(&token)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_bad_upload_gets_a_clear_error_and_changes_nothing() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let before = demo_user(&app).await;
    let full = png(300, 300);
    let mut too_big = png(64, 64);
    too_big.resize(5 * 1024 * 1024 + 10, 0);
    let cases: Vec<(&str, &'static str, &'static str, Vec<u8>)> = vec![
        ("bigger than 5 MB", "big.png", "image/png", too_big),
        ("an SVG", "logo.svg", "image/svg+xml", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec()),
        ("HTML renamed .png", "page.png", "image/png", b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec()),
        ("a truncated PNG", "cut.png", "image/png", full[..full.len() / 3].to_vec()),
        ("a GIF", "anim.gif", "image/gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec()),
        ("a decompression bomb", "bomb.png", "image/png", pixel_bomb()),
    ];
    for (what, file_name, content_type, bytes) in cases {
        let reply = app
            .call_multipart::<SaveProfile>(
                &with_photo(form("Someone Else", "", "UTC"), file_name, content_type, bytes),
                Some(&token),
            )
            .await;
        let error = reply.app_error();
        let message = error
            .message_for("photo")
            .unwrap_or_else(|| panic!("{what}: expected a photo error, got {error:?}"));
        assert!(!message.is_empty(), "{what}");
    }
    assert_eq!(demo_user(&app).await, before, "nothing changed, not even the name");

    // A body over the upload limit is cut off before the app reads it.
    let mut huge = vec![0u8; 7 * 1024 * 1024];
    huge[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let reply = app
        .call_multipart::<SaveProfile>(
            &with_photo(form("Alex", "", "UTC"), "huge.png", "image/png", huge),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A valid PNG header claiming 30,000 × 30,000 pixels.
fn pixel_bomb() -> Vec<u8> {
    let mut bytes = png(1, 1);
    // Rewrite IHDR's width and height, then its CRC.
    bytes[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

const CONFIRM: &str = "Confirm your new Kayse email address";

fn link_token(message: &serde_json::Value) -> String {
    let link = message["links"][0].as_str().unwrap();
    assert!(link.starts_with("http://kayse.test:3000/confirm-email?token="), "{link}");
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn changing_the_email_needs_the_password_and_a_confirmed_link() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;

    let wrong = app
        .call::<RequestEmailChange>(
            &[("new_email", "alex@firm.example"), ("current_password", "nope")],
            Some(&token),
        )
        .await;
    assert!(wrong.app_error().message_for("current_password").is_some());
    for (bad, why) in [
        ("Alex <alex@firm.example>", "display name"),
        ("alex@[10.0.0.1]", "IP literal"),
        ("DEMO@kayse.test", "unchanged"),
    ] {
        let reply = app
            .call::<RequestEmailChange>(
                &[("new_email", bad), ("current_password", DEMO_PASSWORD)],
                Some(&token),
            )
            .await;
        assert!(reply.app_error().message_for("new_email").is_some(), "{why}");
    }
    assert!(app.outbox_with_subject(CONFIRM).is_empty());

    let view: ProfileView = app
        .call::<RequestEmailChange>(
            &[("new_email", "Alex@Firm.example"), ("current_password", DEMO_PASSWORD)],
            Some(&token),
        )
        .await
        .json();
    assert_eq!(view.email, DEMO_EMAIL, "the login does not change yet");
    assert_eq!(view.pending_email.unwrap().new_email, "alex@firm.example");
    let messages = app.outbox_with_subject(CONFIRM);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], "alex@firm.example");
    let link = link_token(&messages[0]);
    let stored = email_change::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_ne!(stored.token_hash, link, "only the hash is stored");

    let confirmed = app.call::<ConfirmEmailChange>(&[("token", &link)], None).await;
    assert_eq!(confirmed.json::<String>(), "alex@firm.example");
    assert_eq!(
        demo_user_by(&app, "alex@firm.example").await.id,
        demo_user_id(&app, "alex@firm.example").await
    );
    let notice = &app.outbox_with_subject("Your Kayse login email was changed")[0];
    assert_eq!(notice["to"], DEMO_EMAIL, "the old address is told");
    assert!(notice["text"].as_str().unwrap().contains("alex@firm.example"));

    // Single use.
    let again = app.call::<ConfirmEmailChange>(&[("token", &link)], None).await;
    assert!(matches!(again.app_error(), AppError::Rejected(_)));
    // The new address is the login now; the old one is not.
    app.sign_in_as("alex@firm.example", DEMO_PASSWORD).await;
    let old = app
        .call::<app::auth::api::SignIn>(
            &[("email", DEMO_EMAIL), ("password", DEMO_PASSWORD), ("next", "")],
            None,
        )
        .await;
    assert_eq!(old.app_error(), AppError::InvalidCredentials);
}

async fn demo_user_by(app: &TestApp, email: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("user with that email")
}

async fn demo_user_id(app: &TestApp, email: &str) -> i32 {
    demo_user_by(app, email).await.id
}

#[tokio::test]
async fn an_expired_link_fails_and_resend_replaces_the_link() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    app.call::<RequestEmailChange>(
        &[("new_email", "new@firm.example"), ("current_password", DEMO_PASSWORD)],
        Some(&token),
    )
    .await;
    let first = link_token(&app.outbox_with_subject(CONFIRM)[0]);

    // Resend is refused within a minute of the last link…
    let early = app.call::<ResendEmailChange>(&[], Some(&token)).await;
    assert!(matches!(early.app_error(), AppError::RateLimited { .. }));
    // …and after it, sends a new link that replaces the old one.
    let row = email_change::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.created_at = Set(chrono::Utc::now() - chrono::Duration::minutes(2));
    active.update(&app.state.db).await.unwrap();
    assert!(app.call::<ResendEmailChange>(&[], Some(&token)).await.status.is_success());
    let second = link_token(&app.outbox_with_subject(CONFIRM)[1]);
    assert_ne!(first, second);
    assert!(matches!(
        app.call::<ConfirmEmailChange>(&[("token", &first)], None).await.app_error(),
        AppError::Rejected(_)
    ));

    // Expired after 24 hours.
    let row = email_change::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.expires_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
    active.update(&app.state.db).await.unwrap();
    assert!(matches!(
        app.call::<ConfirmEmailChange>(&[("token", &second)], None).await.app_error(),
        AppError::Rejected(_)
    ));
    assert_eq!(demo_user(&app).await.email, DEMO_EMAIL);
}

#[tokio::test]
async fn cancel_drops_the_pending_change_and_taken_addresses_are_refused() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    app.call::<RequestEmailChange>(
        &[("new_email", "new@firm.example"), ("current_password", DEMO_PASSWORD)],
        Some(&token),
    )
    .await;
    let link = link_token(&app.outbox_with_subject(CONFIRM)[0]);
    let view: ProfileView = app.call::<CancelEmailChange>(&[], Some(&token)).await.json();
    assert_eq!(view.pending_email, None);
    assert!(matches!(
        app.call::<ConfirmEmailChange>(&[("token", &link)], None).await.app_error(),
        AppError::Rejected(_)
    ));

    // Another account already has the address (any case).
    let other = user::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut second = other.into_active_model();
    second.id = sea_orm::ActiveValue::NotSet;
    second.email = Set("taken@firm.example".into());
    second.insert(&app.state.db).await.unwrap();
    let reply = app
        .call::<RequestEmailChange>(
            &[("new_email", "Taken@Firm.example"), ("current_password", DEMO_PASSWORD)],
            Some(&token),
        )
        .await;
    assert!(reply.app_error().message_for("new_email").unwrap().contains("already used"));
}
