//! Kayse Profile: the personal account area of Kayse. This crate holds the UI (rendered on
//! the server, hydrated in the browser) and the server functions behind it. Everything
//! server-only sits behind the `ssr` feature, in `backend` and the features' `server`
//! modules, so the wasm bundle carries none of it.
//!
//! Layers, with arrows one way only (`scripts/check-layers` enforces them):
//! `lib`/`routes` → `shell` → features (`auth`, `cases`, `company_settings`,
//! `integrations`, `notifications`, `profile`, `security`, `sessions`, `settings`) → `ui`;
//! every feature's server code → `backend`, which imports no feature.

// Deeply nested views in release builds need more than the default 128.
#![recursion_limit = "256"]
// Server code returns errors; it does not panic (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod case_priority;
pub mod cases;
pub mod company_settings;
pub mod error;
#[cfg(feature = "ssr")]
pub mod integrations;
pub mod notifications;
pub mod profile;
mod routes;
pub mod security;
pub mod sessions;
pub mod settings;
pub mod shell;
pub mod text;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use profile::ProfilePage;
use settings::SettingsLayout;
use shell::AppLayout;

/// The request's CSP nonce, put on the request by the security-headers middleware and drawn
/// the first time something asks for it: a page's inline scripts carry it, while
/// server-function answers and other data never need one. Clones share the one value, so
/// the middleware sees the nonce the page was rendered with.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct CspNonce(std::sync::Arc<std::sync::OnceLock<String>>);

#[cfg(feature = "ssr")]
impl CspNonce {
    /// The nonce (144 random bits, base64url), drawn on first use.
    pub fn value(&self) -> &str {
        self.0.get_or_init(|| {
            use base64::Engine;
            use rand::RngCore;
            let mut bytes = [0u8; 18];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        })
    }
}

/// Where a page's root reactive owner is left for the server's `page_owner` layer, which
/// polls the rest of the page's rendering with it current (see there for why). Weak: the
/// page's reactive graph ends with the page, not with this slot.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct PageRoot(std::sync::Arc<std::sync::OnceLock<leptos::reactive::owner::WeakOwner>>);

#[cfg(feature = "ssr")]
impl PageRoot {
    /// The page's root owner, once the page has begun rendering and while it lives.
    pub fn owner(&self) -> Option<Owner> {
        self.0.get().and_then(|owner| owner.upgrade())
    }
}

/// The HTML document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Inline hydration scripts carry the same nonce as the Content-Security-Policy header.
    let request = use_context::<http::request::Parts>();
    if let Some(nonce) = request.as_ref().and_then(|p| p.extensions.get::<CspNonce>()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.value()));
    }
    // This runs in the page's root owner: the lazy pages' chunks are announced from it.
    if let Some(root) = request.as_ref().and_then(|p| p.extensions.get::<PageRoot>())
        && let Some(owner) = Owner::current()
    {
        let _ = root.0.set(owner.downgrade());
    }
    shell::head::provide_split_manifest(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <shell::head::HeadAssets options/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The routes. Signed-in pages are rendered whole before they are sent
/// (`SsrMode::Async`): their data comes from this server's own database in a few
/// milliseconds, so the first paint shows the page itself rather than "Loading…" text
/// swapped out by script a moment later, and the HTML carries no swap templates.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Kayse"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/sign-in") view=routes::sign_in()/>
                <Route path=path!("/sign-in/verify") view=routes::sign_in_verify()/>
                <Route path=path!("/confirm-email") view=routes::confirm_email()/>
                <Route path=path!("/forgot-password") view=routes::forgot_password()/>
                <Route path=path!("/reset-password") view=routes::reset_password()/>
                <Route path=path!("/secure-account") view=routes::wasnt_me()/>
                <Route path=path!("/unsubscribe") view=routes::unsubscribe()/>
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=routes::cases()/>
                    <Route path=path!("/cases/:id") view=routes::case_detail()/>
                    <Route path=path!("/tasks") view=routes::my_tasks()/>
                    <Route path=path!("/company") view=routes::company_settings()/>
                    <ParentRoute path=path!("/settings") view=SettingsLayout>
                        <Route path=path!("") view=|| view! { <Redirect path="/settings/profile"/> }/>
                        <Route path=path!("/profile") view=ProfilePage/>
                        <Route path=path!("/notifications") view=routes::notifications()/>
                        <Route path=path!("/security") view=routes::security()/>
                        <Route path=path!("/sessions") view=routes::sessions()/>
                    </ParentRoute>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button primary wide" href="/">"Go to Kayse"</a>
            </div>
        </main>
    }
}
