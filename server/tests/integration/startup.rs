//! What the server refuses at start and how it names its cookies on a public site: an
//! https site gets `__Host-` cookies, a demo password must pass the password policy, and
//! the demo account may not exist on an https site.

use app::error::AppError;
use app::profile::api::GetProfile;
use axum::http::{Request, header};
use leptos::server_fn::ServerFn;

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn, spawn_at};

#[tokio::test]
async fn an_https_site_names_its_cookies_host_only() {
    let app = spawn_at("https://kayse.example.com").await;
    let request = Request::post(app::auth::api::SignIn::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "kayse.example.com")
        .header(header::ORIGIN, "https://kayse.example.com")
        .body(axum::body::Body::from(format!(
            "email={}&password={DEMO_PASSWORD}&next=",
            DEMO_EMAIL.replace('@', "%40")
        )))
        .unwrap();
    let reply = app.send(request).await;
    let cookies: Vec<String> = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    for cookie in &cookies {
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(
            cookie.contains("; Path=/;")
                && cookie.ends_with("; Secure")
                && !cookie.contains("Domain")
        );
    }
    assert!(cookies.iter().any(|c| c.starts_with("__Host-kayse_device=")), "{cookies:?}");
    let cookie =
        cookies.iter().find(|c| c.starts_with("__Host-kayse_session=")).expect("a session cookie");
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();

    let read = |name: &str| {
        Request::post(GetProfile::PATH)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "kayse.example.com")
            .header(header::ORIGIN, "https://kayse.example.com")
            .header(header::COOKIE, format!("{name}={token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert!(app.send(read("__Host-kayse_session")).await.status.is_success());
    // A cookie without the prefix (which a subdomain or plain-HTTP page could set) is ignored.
    assert_eq!(app.send(read("kayse_session")).await.app_error(), AppError::Unauthorized);
}

#[tokio::test]
async fn a_demo_password_must_pass_the_policy() {
    // An empty database of its own, so the seed runs.
    let dir = tempfile::tempdir().unwrap();
    let db = server::db::connect_and_migrate(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kayse.db").display()
    ))
    .await
    .unwrap();
    for weak in ["demo-password-1", "password123", "short"] {
        let refused = server::db::seed_demo(&db, Some(weak.into())).await;
        assert!(refused.unwrap_err().contains("not allowed"), "{weak}");
    }
}

#[tokio::test]
async fn the_demo_account_may_not_exist_on_an_https_site() {
    let app = spawn().await; // seeded with the demo account
    let refused =
        server::db::refuse_demo_on_public_site(&app.state.db, "https://kayse.example.com").await;
    assert!(refused.unwrap_err().contains(DEMO_EMAIL));
    assert!(
        server::db::refuse_demo_on_public_site(&app.state.db, "http://127.0.0.1:3000")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_sqlite_file_runs_in_write_ahead_mode_so_readers_never_wait_for_writers() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = spawn().await;
    if app.state.db.get_database_backend() != DbBackend::Sqlite {
        return; // PostgreSQL has no journal mode to set.
    }
    let pragma = |sql: &'static str| {
        let db = app.state.db.clone();
        async move {
            let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await;
            let row = row.unwrap().unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("PRAGMA journal_mode").await, "wal");
    assert_eq!(pragma("PRAGMA synchronous").await, "1", "NORMAL");
    assert_eq!(pragma("PRAGMA busy_timeout").await, "5000");
}

#[tokio::test]
async fn signed_in_reads_are_not_queued_behind_an_open_write() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    if app.state.db.get_database_backend() != DbBackend::Sqlite {
        return; // PostgreSQL's pool serves reads and writes side by side already.
    }
    // A write transaction holds sea-orm's one SQLite connection...
    let txn = app.state.db.begin().await.unwrap();
    txn.execute_raw(Statement::from_string(
        DbBackend::Sqlite,
        "UPDATE users SET full_name = 'Mid Write' WHERE email = 'demo@kayse.test'",
    ))
    .await
    .unwrap();
    // ...and a signed-in read still answers, from the read pool, with what was committed.
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        app.call::<app::profile::api::GetProfile>(&[], Some(&token)),
    )
    .await
    .expect("the read waited for the writer");
    assert!(read.status.is_success(), "{}", read.text());
    assert!(!read.text().contains("Mid Write"), "an uncommitted write is never seen");
    txn.rollback().await.unwrap();
}
