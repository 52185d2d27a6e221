//! The server binary: reads the settings, opens and migrates the database, seeds the demo
//! account when asked, starts the background jobs and serves the app.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use axum::serve::ListenerExt;
use server::settings::Settings;
use server::{build_router, build_state, db};

/// mimalloc instead of glibc's malloc: under load glibc's per-thread arenas kept hundreds
/// of megabytes after the requests were gone, and its bookkeeping was a fifth of a page
/// request's CPU (README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The `name` in `[[workspace.metadata.leptos]]` (Cargo.toml): the site's file names.
const OUTPUT_NAME: &str = "kayse-profile";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    // The short-lived child the server starts to compress its /pkg files (static_files).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let [_, flag, dir] = args.as_slice()
        && flag == server::static_files::PRECOMPRESS_ARG
    {
        let ok = server::static_files::precompress_and_log(std::path::Path::new(dir));
        std::process::exit(if ok { 0 } else { 1 });
    }
    if let Err(message) = run().await {
        tracing::error!("{message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    // cargo-leptos passes the site settings (address, site root) in LEPTOS_* variables.
    let conf = get_configuration(None).map_err(|e| format!("Leptos configuration: {e}"))?;
    let mut leptos_options = conf.leptos_options;
    // A binary built by plain `cargo build`/`cargo test` has no name baked in; without one
    // its pages would ask for the wrong wasm file and never hydrate.
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = OUTPUT_NAME.into();
    }
    // cargo-leptos says so in LEPTOS_HASH_FILES when it starts the binary; a binary started
    // by hand (Playwright, a service manager) finds the hash file its build left beside it.
    if !leptos_options.hash_files {
        leptos_options.hash_files =
            server::static_files::names_are_hashed(&leptos_options.hash_file);
    }
    let config_path = std::env::var("KAYSE_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("Leptos.toml"));
    let settings = Settings::load(&config_path, leptos_options.site_addr)?;

    let state = build_state(&settings, leptos_options).await?;
    if settings.demo_seed
        && let Some((email, password)) =
            db::seed_demo(&state.db, settings.demo_password.clone()).await?
    {
        // Printed once, on the start that creates it, so a newcomer can sign in at once.
        tracing::info!("Demo account created. Sign in with email {email} and password {password}");
    }
    db::refuse_demo_on_public_site(&state.db, &settings.public_url).await?;
    server::jobs::spawn_all(&state);
    server::static_files::precompress_in_background(server::pkg_dir(&state.leptos_options));
    let app = build_router(state, settings.max_upload_bytes);
    let listener = tokio::net::TcpListener::bind(settings.address)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.address))?;
    // Pages are streamed in several writes (the shell first, each awaited part after). With
    // Nagle's algorithm on, every write after the first waited for the client's delayed
    // ACK, about 40 ms: a server-rendered page took 44 ms at any load.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!("cannot turn off Nagle's algorithm: {err}");
        }
    });
    tracing::info!("Kayse Profile is listening on http://{}", settings.address);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))
}
