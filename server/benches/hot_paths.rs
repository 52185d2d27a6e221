//! Prints how long the hot paths take: `cargo bench -p server --bench hot_paths`.
//! A harness that prints figures, not a test: nothing here asserts on time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use tower::ServiceExt;

const PASSWORD: &str = "bench-password-1234";

fn report(what: &str, runs: u32, total: Duration) {
    let mean = total / runs;
    let per_second = if mean.is_zero() { f64::INFINITY } else { 1.0 / mean.as_secs_f64() };
    println!(
        "{what:<48} {runs:>5} runs   mean {:>10.3} ms   {per_second:>9.1} /s",
        mean.as_secs_f64() * 1e3
    );
}

async fn time<F, Fut>(what: &str, runs: u32, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await; // warm-up
    let start = Instant::now();
    for _ in 0..runs {
        f().await;
    }
    report(what, runs, start.elapsed());
}

fn photo(width: u32, height: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x ^ y) % 239) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode");
    out
}

fn request(path: &str, body: String, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(token) = token {
        builder = builder.header(header::COOKIE, format!("kayse_session={token}"));
    }
    let mut request = builder.body(Body::from(body)).expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo::<SocketAddr>("127.0.0.1:40000".parse().expect("addr")));
    request
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let toml = format!(
        "[server]\ndata_dir = {:?}\n[demo]\npassword = {PASSWORD:?}\n",
        dir.path().display().to_string()
    );
    let settings =
        server::settings::Settings::from_toml(&toml, "127.0.0.1:3000".parse().expect("addr"))
            .expect("settings");
    let options = leptos::config::LeptosOptions::builder().output_name("kayse-profile").build();
    let state = server::build_state(&settings, options).await.expect("state");
    server::db::seed_demo(&state.db, settings.demo_password.clone()).await.expect("seed");
    let router = server::build_router(state.clone(), settings.max_upload_bytes);

    println!(
        "Kayse Profile hot paths ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );

    time("argon2id hash (m=19 MiB, t=2, p=1)", 10, || async {
        app::backend::passwords::hash_password(PASSWORD.into()).await.expect("hash");
    })
    .await;

    // The checks a password change and a 2FA sign-in add.
    let started = Instant::now();
    let _ = app::security::password_policy::is_common("warm up the list");
    report("common-password list: first use (parse 150,000 lines)", 1, started.elapsed());
    time("common-password lookup + name/email check", 10_000, || async {
        let _ = app::security::password_policy::problem(
            "gravel lantern otter",
            "demo@kayse.test",
            "Alex Morgan",
        );
    })
    .await;
    let secret = app::security::totp::new_secret();
    let code =
        app::security::totp::code_at(&secret, app::security::totp::now_unix()).expect("code");
    time("TOTP check over the 3-step window", 10_000, || {
        let (secret, code) = (secret.clone(), code.clone());
        async move {
            let _ =
                app::security::totp::matching_step(&secret, &code, app::security::totp::now_unix());
        }
    })
    .await;
    time("QR code of an otpauth URI, as SVG", 100, || {
        let uri = app::security::totp::otpauth_uri(&secret, "demo@kayse.test");
        async move {
            app::security::totp::qr_code_data_url(&uri).expect("qr");
        }
    })
    .await;

    // One push to one device: the worker does this per device per notification.
    {
        use app::backend::push::crypto::{DeviceKeys, VapidKey, encrypt};
        let device = DeviceKeys::parse(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
            "BTBZMqHH6r4Tts7J_aSIgg",
        )
        .expect("device keys");
        let message = vec![b'x'; 600];
        time("Web Push: encrypt 600 bytes for a device (RFC 8291)", 1_000, || {
            let device = device.clone();
            let message = message.clone();
            async move {
                encrypt(&message, &device).expect("encrypt");
            }
        })
        .await;
        let key = VapidKey::generate();
        time("Web Push: sign the VAPID token (ES256)", 1_000, || {
            let key = key.clone();
            async move {
                let _ = key.authorization(
                    "https://fcm.googleapis.com",
                    "mailto:ops@kayse.test",
                    chrono::Utc::now(),
                );
            }
        })
        .await;
    }

    for (w, h) in [(1200, 900), (4000, 3000)] {
        let bytes = photo(w, h);
        time(&format!("photo {w}x{h} JPEG -> 256x256 JPEG"), 5, || {
            let bytes = bytes.clone();
            async move {
                app::profile::photo::process(&bytes).expect("process");
            }
        })
        .await;
    }

    let sign_in_body = format!("email=demo%40kayse.test&password={PASSWORD}&next=");
    let sign_in = |router: axum::Router, body: String| async move {
        let response = router
            .oneshot(request(app::auth::api::SignIn::PATH, body, None))
            .await
            .expect("response");
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        cookie.trim_start_matches("kayse_session=").split(';').next().unwrap_or_default().to_owned()
    };
    time("sign-in request (router, hash check, session)", 10, || {
        let (router, body) = (router.clone(), sign_in_body.clone());
        async move {
            sign_in(router, body).await;
        }
    })
    .await;
    let token = sign_in(router.clone(), sign_in_body.clone()).await;
    assert_eq!(token.len(), 64, "signed in");

    time("get_profile server function (session + 2 queries)", 500, || {
        let router = router.clone();
        let token = token.clone();
        async move {
            let response = router
                .oneshot(request(app::profile::api::GetProfile::PATH, String::new(), Some(&token)))
                .await
                .expect("response");
            response.into_body().collect().await.expect("body");
        }
    })
    .await;

    time("server-rendered /settings/profile page", 100, || {
        let router = router.clone();
        let token = token.clone();
        async move {
            let mut page = Request::get("/settings/profile")
                .header(header::COOKIE, format!("kayse_session={token}"))
                .body(Body::empty())
                .expect("request");
            page.extensions_mut()
                .insert(ConnectInfo::<SocketAddr>("127.0.0.1:40000".parse().expect("addr")));
            let response = router.oneshot(page).await.expect("response");
            response.into_body().collect().await.expect("body");
        }
    })
    .await;
}
