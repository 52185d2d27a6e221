//! The integration harness: the real router on a fresh SQLite (or PostgreSQL) database,
//! with helpers that call server functions the way the browser does.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use leptos::server_fn::ServerFn;
use tower::ServiceExt;

use app::backend::AppState;
use app::error::AppError;
use server::settings::Settings;

pub const DEMO_EMAIL: &str = "demo@kayse.test";
/// Obeys the password policy, as the server requires of a demo password.
pub const DEMO_PASSWORD: &str = "Quill-Harbor-Tests-8841";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub outbox: PathBuf,
    /// The settings it was built from: another instance is built from the same.
    settings_toml: String,
    /// The data folder, removed with the first instance (others share it).
    _dir: Option<tempfile::TempDir>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}): {}", self.text()))
    }

    /// The typed error a server function answered with.
    pub fn app_error(&self) -> AppError {
        assert!(
            !self.status.is_success(),
            "expected an error, got {}: {}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// The typed error, when the call failed.
    pub fn app_error_if_any(&self) -> Option<AppError> {
        (!self.status.is_success()).then(|| self.json())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    /// The session token from a Set-Cookie header, if one was set.
    pub fn session_token(&self) -> Option<String> {
        self.cookie("kayse_session")
    }

    /// A cookie's value from the Set-Cookie headers, if one was set (and not cleared).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix(prefix.as_str())
                    .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
            })
            .filter(|t| !t.is_empty())
    }
}

/// SQLite in the temp folder by default. With `KAYSE_TEST_POSTGRES_URL` (an admin URL, as
/// `scripts/test` sets when PostgreSQL is installed) each test gets a database of its own
/// there instead, so the same suite proves both.
pub(crate) async fn database_url(dir: &std::path::Path) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let Ok(admin_url) = std::env::var("KAYSE_TEST_POSTGRES_URL") else {
        return format!("sqlite://{}?mode=rwc", dir.join("kayse.db").display());
    };
    let name = format!("kayse_test_{}", &app::backend::tokens::new_token()[..16]);
    let admin = Database::connect(admin_url.as_str()).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

pub async fn spawn() -> TestApp {
    spawn_at("http://kayse.test:3000").await
}

/// The app as served at `public_url` (an https one turns Secure cookies on).
pub async fn spawn_at(public_url: &str) -> TestApp {
    spawn_configured(public_url, "").await
}

/// The app with more lines in its `[server]` settings (`trusted_proxies = [...]`, say).
pub async fn spawn_configured(public_url: &str, server_lines: &str) -> TestApp {
    spawn_with_sections(public_url, server_lines, "").await
}

/// The app with lines in its `[security]` settings (`allow_remembered_devices = false`).
pub async fn spawn_with_security(security_lines: &str) -> TestApp {
    spawn_with_sections("http://kayse.test:3000", "", &format!("[security]\n{security_lines}\n"))
        .await
}

async fn spawn_with_sections(public_url: &str, server_lines: &str, more: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[server]\n{server_lines}\ndata_dir = {:?}\npublic_url = {public_url:?}\n[database]\nurl = {:?}\n[demo]\npassword = {:?}\n[push]\ncontact = \"mailto:ops@kayse.test\"\nallow_loopback_endpoints = true\n{more}",
        dir.path().display().to_string(),
        database_url(dir.path()).await,
        DEMO_PASSWORD
    );
    let mut app = instance(&toml).await;
    let settings = Settings::from_toml(&toml, "127.0.0.1:3000".parse().unwrap()).unwrap();
    server::db::seed_demo(&app.state.db, settings.demo_password.clone()).await.unwrap().unwrap();
    app._dir = Some(dir);
    app
}

/// One server instance built from `toml`, as `main` builds it (migrating, no demo data).
async fn instance(toml: &str) -> TestApp {
    let settings = Settings::from_toml(toml, "127.0.0.1:3000".parse().unwrap()).unwrap();
    let options = LeptosOptions::builder().output_name("kayse-profile").build();
    let state = server::build_state(&settings, options).await.unwrap();
    let router = server::build_router(state.clone(), settings.max_upload_bytes);
    let outbox = match &settings.mail {
        server::settings::MailSettings::Outbox(dir) => dir.clone(),
        _ => PathBuf::from("outbox"),
    };
    TestApp { router, state, outbox, settings_toml: toml.to_owned(), _dir: None }
}

pub fn from_address(ip: &str) -> ConnectInfo<SocketAddr> {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    ConnectInfo(SocketAddr::new(ip, 40000))
}

impl TestApp {
    /// A second instance of the same deployment: same settings and database, its own
    /// process state (limiters, live hub, pools), as another server behind the proxy, or
    /// this one after a restart.
    pub async fn another_instance(&self) -> TestApp {
        instance(&self.settings_toml).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let mut request = request;
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            request.extensions_mut().insert(from_address("127.0.0.1"));
        }
        // A response that never finishes (a stalled server render) fails its test instead of
        // holding the whole run.
        let limit = std::time::Duration::from_secs(60);
        let response: Response<Body> =
            tokio::time::timeout(limit, self.router.clone().oneshot(request))
                .await
                .expect("no response within 60 s")
                .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = tokio::time::timeout(limit, response.into_body().collect())
            .await
            .expect("the response body did not finish within 60 s")
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut builder = Request::get(path);
        if let Some(token) = token {
            builder = builder.header(header::COOKIE, format!("kayse_session={token}"));
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    /// Calls a url-encoded server function the way the browser's fetch does.
    pub async fn call<F: ServerFn>(&self, form: &[(&str, &str)], token: Option<&str>) -> Reply {
        self.call_from::<F>(form, token, "127.0.0.1").await
    }

    pub async fn call_from<F: ServerFn>(
        &self,
        form: &[(&str, &str)],
        token: Option<&str>,
        ip: &str,
    ) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = browser_post::<F>("application/x-www-form-urlencoded", token)
            .body(Body::from(body))
            .unwrap();
        request.extensions_mut().insert(from_address(ip));
        self.send(request).await
    }

    /// Calls a server function with a raw Cookie header (for cookies other than the session's).
    pub async fn call_with_cookie<F: ServerFn>(
        &self,
        form: &[(&str, &str)],
        cookie: &str,
        ip: &str,
    ) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = browser_post::<F>("application/x-www-form-urlencoded", None)
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        request.extensions_mut().insert(from_address(ip));
        self.send(request).await
    }

    /// Posts the sign-in form and returns the whole reply (for sign-ins that do not simply succeed).
    pub async fn sign_in_reply(&self, email: &str, password: &str, ip: &str) -> Reply {
        self.call_from::<app::auth::api::SignIn>(
            &[("email", email), ("password", password), ("next", "")],
            None,
            ip,
        )
        .await
    }

    /// Calls a multipart server function (the profile form).
    pub async fn call_multipart<F: ServerFn>(&self, parts: &[Part], token: Option<&str>) -> Reply {
        let boundary = "----kayse-test-boundary-7d1f";
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match part {
                Part::Text(name, value) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(value.as_bytes());
                }
                Part::File { name, file_name, content_type, bytes } => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request =
            browser_post::<F>(&format!("multipart/form-data; boundary={boundary}"), token)
                .header(header::CONTENT_LENGTH, body.len())
                .body(Body::from(body))
                .unwrap();
        self.send(request).await
    }

    pub async fn sign_in_as(&self, email: &str, password: &str) -> String {
        self.sign_in_with(email, password, "", "127.0.0.1").await
    }

    /// Signs in from a given browser (user agent) and client address.
    pub async fn sign_in_with(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
        ip: &str,
    ) -> String {
        use leptos::server_fn::ServerFn;
        let body = format!("email={}&password={}&next=", encode(email), encode(password));
        let mut request = Request::post(app::auth::api::SignIn::PATH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, user_agent)
            .body(Body::from(body))
            .unwrap();
        request.extensions_mut().insert(from_address(ip));
        let reply = self.send(request).await;
        reply
            .session_token()
            .unwrap_or_else(|| panic!("sign-in failed: {} {}", reply.status, reply.text()))
    }

    pub async fn sign_in_demo(&self) -> String {
        self.sign_in_as(DEMO_EMAIL, DEMO_PASSWORD).await
    }

    /// The outbox messages with this subject, oldest first.
    pub fn outbox_with_subject(&self, subject: &str) -> Vec<serde_json::Value> {
        self.outbox_messages().into_iter().filter(|m| m["subject"] == subject).collect()
    }

    /// The messages in the development outbox, oldest first.
    pub fn outbox_messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> = std::fs::read_dir(&self.outbox)
            .map(|dir| {
                dir.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap()).collect()
    }
}

/// A POST to a server function with the headers a same-origin browser fetch sends.
pub fn browser_post<F: ServerFn>(
    content_type: &str,
    token: Option<&str>,
) -> axum::http::request::Builder {
    let builder = Request::post(F::PATH)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "kayse.test:3000")
        .header(header::ORIGIN, "http://kayse.test:3000")
        .header("sec-fetch-site", "same-origin");
    match token {
        Some(token) => builder.header(header::COOKIE, format!("kayse_session={token}")),
        None => builder,
    }
}

pub enum Part {
    Text(&'static str, String),
    File { name: &'static str, file_name: &'static str, content_type: &'static str, bytes: Vec<u8> },
}

pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A real PNG of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A seeded company by name.
pub async fn company_named(app: &TestApp, name: &str) -> app::backend::entities::company::Model {
    use app::backend::entities::company;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    company::Entity::find()
        .filter(company::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}
