//! The HTTP layers: the cross-site guard, security headers, not-found pages.

use app::auth::api::SignIn;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, spawn};

fn sign_in_request(origin: Option<&str>, fetch_site: Option<&str>) -> Request<Body> {
    use leptos::server_fn::ServerFn;
    let mut builder = Request::post(SignIn::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "kayse.test:3000");
    if let Some(origin) = origin {
        builder = builder.header(header::ORIGIN, origin);
    }
    if let Some(site) = fetch_site {
        builder = builder.header("sec-fetch-site", site);
    }
    builder.body(Body::from(format!("email={DEMO_EMAIL}&password={DEMO_PASSWORD}&next="))).unwrap()
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    let app = spawn().await;
    let evil_origin = app.send(sign_in_request(Some("https://evil.example"), None)).await;
    assert_eq!(evil_origin.status, StatusCode::FORBIDDEN);
    assert!(evil_origin.session_token().is_none());
    let cross_site = app.send(sign_in_request(None, Some("cross-site"))).await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let same_site_other_origin =
        app.send(sign_in_request(Some("http://kayse.test:3000"), Some("same-site"))).await;
    assert_eq!(
        same_site_other_origin.status,
        StatusCode::FORBIDDEN,
        "a sibling subdomain is not us"
    );

    let same_origin =
        app.send(sign_in_request(Some("http://kayse.test:3000"), Some("same-origin"))).await;
    assert!(
        same_origin.session_token().is_some(),
        "{}: {}",
        same_origin.status,
        same_origin.text()
    );
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn().await;
    let page = app.get("/sign-in", None).await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(nonce.len() >= 22);
    // Both of the head's scripts (the wasm's early compile and the hydration module) and
    // any other: every one carries it.
    let scripts = page.text().matches("<script").count();
    assert!(scripts >= 2, "{}", page.text());
    assert_eq!(
        page.text().matches(&format!("<script nonce=\"{nonce}\"")).count()
            + page.text().matches(&format!("<script type=\"module\" nonce=\"{nonce}\"")).count(),
        scripts,
        "inline scripts carry the header's nonce"
    );
    assert_ne!(
        app.get("/sign-in", None).await.header("content-security-policy").unwrap(),
        csp,
        "a fresh nonce per request"
    );
    assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
}

/// Server-function answers and other data are never rendered as a page: a fixed policy
/// that allows nothing, with no nonce (none is drawn for them) and without the headers
/// that act on documents alone. The service worker, a script, keeps the document's policy.
#[tokio::test]
async fn data_answers_carry_a_fixed_policy_without_a_nonce() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let answer = app.call::<app::profile::api::GetProfile>(&[], Some(&token)).await;
    let health = app.get("/healthz", None).await;
    for (what, reply) in [("get_profile", &answer), ("/healthz", &health)] {
        assert_eq!(reply.status, StatusCode::OK, "{what}");
        assert_eq!(
            reply.header("content-security-policy").as_deref(),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{what}"
        );
        assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"), "{what}");
        assert_eq!(reply.header("x-frame-options").as_deref(), Some("DENY"), "{what}");
        assert!(reply.header("cross-origin-opener-policy").is_none(), "{what}");
        assert!(reply.header("permissions-policy").is_none(), "{what}");
    }
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));

    // A script as the service worker is served (from the site's files, which this harness
    // does not have): its policy governs what the worker may fetch.
    let router = axum::Router::new()
        .route(
            "/sw.js",
            axum::routing::get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript")],
                    "self.addEventListener('push', () => {});",
                )
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            app.state.clone(),
            server::middleware::security_headers,
        ));
    let request = Request::get("/sw.js").body(Body::empty()).unwrap();
    let worker = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(worker.status(), StatusCode::OK);
    let policy = worker.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("connect-src 'self'") && policy.contains("'nonce-"), "{policy}");
}

/// The /pkg files are never documents: `nosniff` only, without the document headers that
/// would outweigh the small wasm chunks.
#[tokio::test]
async fn pkg_files_carry_only_the_headers_that_apply_to_them() {
    let app = spawn().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chunk_1.abc.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(dir.path().join("kayse-profile.abc.js"), "export {};").unwrap();
    let router = axum::Router::new()
        .nest("/pkg", server::static_files::pkg_router(dir.path(), true, "kayse-profile"))
        .layer(axum::middleware::from_fn_with_state(
            app.state.clone(),
            server::middleware::security_headers,
        ));
    let get = |uri: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::get(uri).body(Body::empty()).unwrap();
            tower::ServiceExt::oneshot(router, request).await.unwrap()
        }
    };
    std::fs::write(dir.path().join("__wasm_split.abc.js"), "export {};").unwrap();
    for file in ["/pkg/chunk_1.abc.wasm", "/pkg/__wasm_split.abc.js", "/pkg/kayse-profile.abc.js"] {
        let response = get(file).await;
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        let headers = response.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{file}");
        // A shared cache keeps the brotli and gzip copies apart.
        assert_eq!(headers[header::VARY], "accept-encoding", "{file}");
        if file.starts_with("/pkg/kayse-profile.") {
            // cargo-leptos names the JS module (and the main wasm) before it writes their
            // final content: the browser asks whether its copy is still current.
            assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{file}");
            assert!(headers.get(header::LAST_MODIFIED).is_some(), "{file}");
        } else {
            assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
            // A hashed name never changes content: nothing revalidates it.
            assert!(headers.get(header::LAST_MODIFIED).is_none(), "{file}");
        }
        for document_only in [
            "content-security-policy",
            "x-frame-options",
            "referrer-policy",
            "cross-origin-opener-policy",
            "permissions-policy",
        ] {
            assert!(headers.get(document_only).is_none(), "{file} carries {document_only}");
        }
    }
    let missing = app.get("/pkg/missing.abc.wasm", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(missing.header("x-content-type-options").as_deref(), Some("nosniff"));
    // Pages keep every header (every_page_carries_the_security_headers).
}

#[tokio::test]
async fn unknown_pages_are_not_found() {
    let app = spawn().await;
    let token = app.sign_in_demo().await;
    let page = app.get("/no/such/page", Some(&token)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("Page not found"));
}

#[tokio::test]
async fn the_live_reload_socket_is_allowed_in_development_only() {
    use leptos::config::Env;
    assert_eq!(server::runtime_env(true, Env::DEV), Env::PROD, "a release build is production");
    assert_eq!(server::runtime_env(false, Env::DEV), Env::DEV);
    assert_eq!(server::runtime_env(false, Env::PROD), Env::PROD);

    let mut app = spawn().await;
    let dev = app.get("/sign-in", None).await.header("content-security-policy").unwrap();
    assert!(dev.contains("ws://127.0.0.1:"), "development: {dev}");
    app.state = app.state.with(|shared| shared.leptos_options.env = Env::PROD);
    app.router = server::build_router(app.state.clone(), 6 * 1024 * 1024);
    let production = app.get("/sign-in", None).await.header("content-security-policy").unwrap();
    assert!(!production.contains("ws:"), "production: {production}");
}

#[tokio::test]
async fn pages_and_server_function_answers_are_compressed_but_not_the_live_stream() {
    let app = spawn().await;
    let page = |encoding: Option<&'static str>| {
        let mut request = Request::get("/sign-in");
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        app.send(request.body(Body::empty()).unwrap())
    };
    let plain = page(None).await;
    assert_eq!(plain.header("content-encoding"), None);
    let brotli = page(Some("br, gzip")).await;
    assert_eq!(brotli.header("content-encoding").as_deref(), Some("br"));
    assert!(
        brotli.header("vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    );
    // Quality 1 (fast, for per-response compression): a third smaller at least, even on
    // this short page.
    assert!(
        brotli.body.len() * 3 < plain.body.len() * 2,
        "{} compressed vs {} plain",
        brotli.body.len(),
        plain.body.len()
    );
    let gzip = page(Some("gzip")).await;
    assert_eq!(gzip.header("content-encoding").as_deref(), Some("gzip"));

    // Small answers are not worth it.
    let mut health = Request::get("/healthz").header(header::ACCEPT_ENCODING, "br");
    health = health.header(header::USER_AGENT, "probe");
    let health = app.send(health.body(Body::empty()).unwrap()).await;
    assert_eq!(health.header("content-encoding"), None);

    // The live stream is never buffered by a compressor.
    let token = app.sign_in_demo().await;
    let mut live = Request::get("/live")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .header(header::COOKIE, format!("kayse_session={token}"))
        .body(Body::empty())
        .unwrap();
    live.extensions_mut().insert(crate::harness::from_address("127.0.0.1"));
    let response = tower::ServiceExt::oneshot(app.router.clone(), live).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(header::CONTENT_ENCODING), None);
    assert!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream")
    );
}

#[tokio::test]
async fn pkg_files_are_served_precompressed_and_cached_for_a_year_when_hashed() {
    use http_body_util::BodyExt;
    let dir = tempfile::tempdir().unwrap();
    let wasm = vec![7u8; 50_000];
    std::fs::write(dir.path().join("chunk_7.abc123.wasm"), &wasm).unwrap();
    assert_eq!(server::static_files::precompress(dir.path()).unwrap(), 2);
    let get = |router: axum::Router, encoding: Option<&'static str>| async move {
        let mut request = Request::get("/pkg/chunk_7.abc123.wasm");
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        let response =
            tower::ServiceExt::oneshot(router, request.body(Body::empty()).unwrap()).await.unwrap();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (headers, body)
    };
    let hashed: axum::Router = axum::Router::new()
        .nest("/pkg", server::static_files::pkg_router(dir.path(), true, "kayse-profile"));
    let (headers, body) = get(hashed.clone(), Some("gzip, br")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(body.len() < 1_000, "{} bytes", body.len());
    let (headers, body) = get(hashed.clone(), Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert!(body.len() < 1_000);
    let (headers, body) = get(hashed, None).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body.len(), wasm.len());

    let unhashed: axum::Router = axum::Router::new()
        .nest("/pkg", server::static_files::pkg_router(dir.path(), false, "kayse-profile"));
    let (headers, _) = get(unhashed, Some("br")).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "same names: always revalidate");
}

/// The server compresses its /pkg files in a child process of its own binary, so brotli's
/// working memory leaves with the child (static_files::precompress_in_background).
#[test]
fn the_server_binary_compresses_a_folder_when_asked_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kayse-profile.abc123.js"), "let x = 1;\n".repeat(500)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg(server::static_files::PRECOMPRESS_ARG)
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    // A binary that ignored the argument would start serving instead of exiting.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("the server did not exit after compressing");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
    for suffix in ["br", "gz"] {
        let copy = dir.path().join(format!("kayse-profile.abc123.js.{suffix}"));
        let bytes = std::fs::read(&copy).unwrap();
        assert!(!bytes.is_empty() && bytes.len() < 1_000, "{suffix}: {} bytes", bytes.len());
    }
}
