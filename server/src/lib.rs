//! The Kayse Profile server: settings, database, router and middleware around the shared
//! `app` crate. `main.rs` only starts it; the integration tests build the same router.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod audit_export;
pub mod avatars;
pub mod db;
pub mod integrations;
pub mod jobs;
pub mod live;
pub mod middleware;
pub mod migrations;
pub mod request_log;
pub mod settings;
pub mod static_files;
pub mod unsubscribe;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;

use app::backend::live::LiveHub;
use app::backend::mail::Mailer;
use app::backend::push::sender::PushSender;
use app::backend::session_cache::SessionCache;
use app::backend::state::SharedState;
use app::backend::throttle::{RateLimit, Throttle};
use app::backend::{AppState, RuntimeConfig};
use app::company_settings::api::AUDIT_EXPORT_PATH;
use app::{App, shell};
use settings::{MailSettings, Settings};

/// The environment the server runs in. cargo-leptos does not hand the binary the `env`
/// of the workspace metadata, and Leptos defaults to development, so a release build would
/// run as development (its CSP allowing the live-reload socket): a release build is
/// production whatever the configuration says; a debug build keeps what it was given.
pub fn runtime_env(release_build: bool, configured: leptos::config::Env) -> leptos::config::Env {
    if release_build { leptos::config::Env::PROD } else { configured }
}

/// Opens the database (migrating it) and assembles the shared state.
pub async fn build_state(
    settings: &Settings,
    mut leptos_options: LeptosOptions,
) -> Result<AppState, String> {
    leptos_options.env = runtime_env(!cfg!(debug_assertions), leptos_options.env);
    let db = db::connect_and_migrate(&settings.database_url).await?;
    let reads = db::connect_reads(&settings.database_url, &db).await?;
    let mailer = match &settings.mail {
        MailSettings::Outbox(dir) => Mailer::outbox(dir.clone(), &settings.mail_from)?,
        MailSettings::Smtp(smtp) => Mailer::smtp(smtp, &settings.mail_from)?,
    };
    let push_key = app::backend::push::sender::load_or_create_key(&db)
        .await
        .map_err(|err| format!("Web Push key: {err}"))?;
    let push = PushSender::new(
        push_key,
        settings.push_contact.clone(),
        settings.push_allow_loopback_endpoints,
    )
    .map_err(|err| format!("Web Push client: {err}"))?;
    // One instance per SQLite database: it sees every change as it makes it, so it may
    // keep sessions in memory. Several instances may share a PostgreSQL database: there
    // every request reads the session (see app::backend::session_cache).
    let (live, sessions) = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let live = app::backend::live::relayed_hub(&db)
            .await
            .map_err(|err| format!("live events: {err:?}"))?;
        (live, SessionCache::disabled())
    } else {
        let sessions = SessionCache::enabled();
        (LiveHub::new(sessions.clone()), sessions)
    };
    Ok(AppState::new(SharedState {
        leptos_options,
        db,
        reads,
        config: Arc::new(RuntimeConfig {
            public_url: settings.public_url.clone(),
            secure_cookies: settings.secure_cookies,
            session_idle: chrono::Duration::minutes(settings.session_idle_minutes),
            session_absolute: chrono::Duration::hours(settings.session_absolute_hours),
            default_phone_region: settings.default_phone_region.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            forwarded_header: settings.forwarded_header,
            allow_remembered_devices: settings.allow_remembered_devices,
            notification_retention: chrono::Duration::days(settings.notification_retention_days),
        }),
        mailer,
        password_throttle: Throttle::named("password"),
        second_factor_throttle: Throttle::named("second-factor"),
        integration_throttle: Throttle::named("integration"),
        integration_rate: RateLimit::new(
            "integration-token",
            integrations::REQUESTS_PER_TOKEN_PER_MINUTE,
            std::time::Duration::from_secs(60),
        ),
        live,
        sessions,
        push,
        webauthn: app::backend::passkeys::relying_party(&settings.public_url).map(Arc::new),
    }))
}

/// Brotli or gzip, as the client accepts, for everything over 1 KB but images (already
/// compressed) and the live event stream (each event must leave at once). Pages carry no
/// secret that repeats across responses (the CSP nonce is new each time, CSRF defence is
/// by header), so compressing them gives BREACH nothing to measure.
///
/// Quality 1, not the libraries' default: brotli's default is its best (11), which spent
/// most of a page request's CPU zeroing and filling megabytes of match tables per
/// response. Measured on the Profile page (53 KB of HTML): quality 11 gives 11.1 KB at
/// 390 pages a second, 3 gives 11.4 KB at 414, 1 gives 13.3 KB at 841, and no compression
/// 949. (The /pkg files, compressed once, get quality 11: see `static_files`.)
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::CompressionLevel;
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    tower_http::compression::CompressionLayer::new()
        .quality(CompressionLevel::Precise(DYNAMIC_COMPRESSION_QUALITY))
        .compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

/// Brotli and gzip quality for pages and server-function answers, compressed per response.
pub const DYNAMIC_COMPRESSION_QUALITY: i32 = 1;

/// `/readyz`, for a load balancer: 200 when this instance can serve, that is when its
/// database answers within two seconds and has no migration left to run (an instance
/// started with an older build than the database's, or one whose database went away, is
/// taken out of rotation); 503 otherwise. `/healthz` says only that the process runs.
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use sea_orm_migration::MigratorTrait;
    let check = async {
        state.db.ping().await.map_err(|_| "the database does not answer")?;
        let pending = migrations::Migrator::get_pending_migrations(&state.db)
            .await
            .map_err(|_| "the database does not answer")?;
        if pending.is_empty() { Ok(()) } else { Err("migrations are pending") }
    };
    let answer = tokio::time::timeout(std::time::Duration::from_secs(2), check)
        .await
        .unwrap_or(Err("the database does not answer"));
    match answer {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(why) => {
            tracing::warn!(why, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")).into_response()
        }
    }
}

/// Where cargo-leptos put the wasm, JS and CSS.
pub fn pkg_dir(options: &LeptosOptions) -> std::path::PathBuf {
    std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref())
}

/// The whole app: pages, server functions, avatars and static files, inside the security
/// layers. The outermost layer runs first.
pub fn build_router(state: AppState, max_upload_bytes: usize) -> Router {
    let routes = generate_route_list(App);
    let shell_options = state.leptos_options.clone();
    let fallback_state = state.clone();
    let pkg_dir = pkg_dir(&state.leptos_options);
    let hashed_names = state.leptos_options.hash_files;
    let output_name = state.leptos_options.output_name.clone();
    Router::new()
        .leptos_routes_with_context(&state, routes, || {}, move || shell(shell_options.clone()))
        // Only the routes above: the pages (and server functions, which it passes through).
        .route_layer(axum::middleware::from_fn(middleware::page_owner))
        .route("/avatars/{file}", get(avatars::serve_avatar))
        .route(AUDIT_EXPORT_PATH, get(audit_export::export_audit_log))
        .route("/live", get(live::live_events))
        .route("/integrations/v1/messages", post(integrations::report_message))
        .route("/integrations/v1/calls", post(integrations::report_call))
        .route("/integrations/v1/assignments", post(integrations::report_assignment))
        .route("/integrations/v1/documents", post(integrations::report_document))
        .route("/integrations/v1/forms", post(integrations::report_form))
        .route("/integrations/v1/campaigns", post(integrations::report_campaign))
        .route("/integrations/v1/case-updates", post(integrations::report_case_change))
        .route(middleware::UNSUBSCRIBE_PATH, post(unsubscribe::one_click))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .nest("/pkg", static_files::pkg_router(&pkg_dir, hashed_names, &output_name))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::sessions_layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::cross_site_guard))
        // Uploads are multipart server functions, which axum's default limit does not cover.
        .layer(RequestBodyLimitLayer::new(max_upload_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(compression())
        // Outermost: the span covers every layer above, and errors they log carry it.
        .layer(request_log::layer())
        .with_state(state)
}
