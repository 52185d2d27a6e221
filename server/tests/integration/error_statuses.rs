//! Every kind of error leaves with the HTTP status a client, a proxy and a log reader
//! expect (README, "Errors"), with a JSON body whose message is safe to show.

use app::auth::api::SignIn;
use app::cases::api::GetCase;
use app::company_settings::api::ListApiTokens;
use app::error::AppError;
use app::profile::api::{GetProfile, RequestEmailChange};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;

use crate::harness::{DEMO_EMAIL, spawn};
use crate::isolation::other_company;

#[tokio::test]
async fn a_wrong_password_at_sign_in_is_401_and_a_wrong_current_password_422() {
    let app = spawn().await;
    let wrong = app.sign_in_reply(DEMO_EMAIL, "not-the-password", "203.0.113.9").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.app_error(), AppError::InvalidCredentials);

    // In a form, a wrong current password is a problem with one field.
    let token = app.sign_in_demo().await;
    let form = [("new_email", "new@firm.example"), ("current_password", "not-the-password")];
    let reply = app.call::<RequestEmailChange>(&form, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.app_error().message_for("current_password").is_some());
}

#[tokio::test]
async fn no_session_is_401() {
    let app = spawn().await;
    let reply = app.call::<GetProfile>(&[], None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.app_error(), AppError::Unauthorized);
    let forged = app.call::<GetProfile>(&[], Some(&"ab".repeat(32))).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_companys_case_is_404() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    // A case of Reyes Legal Group, while the session works in Harper & Lowe LLP.
    let theirs = other_company(&app).await.case_ids[0];
    let reply = app.call::<GetCase>(&[("id", &theirs.to_string())], Some(&token)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.app_error(), AppError::NotFound);
    let missing = app.call::<GetCase>(&[("id", "999999")], Some(&token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "the same as a case that does not exist");
}

#[tokio::test]
async fn a_cross_site_post_is_403_with_a_json_reason() {
    let app = spawn().await;
    let request = Request::post(SignIn::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "kayse.test:3000")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(format!("email={DEMO_EMAIL}&password=x&next=")))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json::<serde_json::Value>()["error"], AppError::Forbidden.to_string());
}

#[tokio::test]
async fn a_throttled_guess_is_429_with_retry_after() {
    let app = spawn().await;
    let mut throttled = None;
    for _ in 0..10 {
        let reply = app.sign_in_reply(DEMO_EMAIL, "a-wrong-guess", "203.0.113.10").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(reply);
            break;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = throttled.expect("ten wrong passwords are throttled");
    let header: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(header > 0);
    assert_eq!(reply.app_error(), AppError::RateLimited { retry_after_seconds: header });
}

#[tokio::test]
async fn a_plain_form_post_keeps_its_redirect_back_to_the_form() {
    // Without JavaScript the browser posts the form and follows a redirect back to it, with
    // the error in the address: an error status there would leave a blank page.
    let app = spawn().await;
    let request = Request::post(SignIn::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://kayse.test:3000/sign-in")
        .header(header::HOST, "kayse.test:3000")
        .header(header::ORIGIN, "http://kayse.test:3000")
        .body(Body::from(format!("email={DEMO_EMAIL}&password=wrong&next=")))
        .unwrap();
    let reply = app.send(request).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert!(reply.header("location").unwrap().starts_with("http://kayse.test:3000/sign-in"));
}

#[tokio::test]
async fn unreadable_arguments_are_400() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let reply = app.call::<GetCase>(&[("id", "not-a-number")], Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.app_error(), AppError::BadRequest);
    // A function without arguments answers normally: nothing here is a 500.
    assert!(app.call::<ListApiTokens>(&[], Some(&token)).await.status.is_success());
}
