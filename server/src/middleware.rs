//! The layers every request passes: security headers with a per-request CSP nonce, the
//! cross-site request guard, and the session lookup that also keeps signed-out visitors
//! on the sign-in page; and, for pages alone, the reactive owner their rendering runs in.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use app::backend::{AppState, session_store};
use app::error::AppError;
use app::{CspNonce, PageRoot};

/// Whether the path is a server function's (Leptos serves them all under `/api/`).
fn is_server_function(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Paths a signed-out visitor may load. Server functions (`/api/`) and avatars check the
/// session themselves.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/sign-in"
            | "/sign-in/verify"
            | "/confirm-email"
            | "/forgot-password"
            | "/reset-password"
            | "/secure-account"
            | "/unsubscribe"
            | "/favicon.svg"
            | "/favicon.ico"
            | "/robots.txt"
            | "/healthz"
            | "/readyz"
            | "/live"
    ) || path.starts_with("/pkg/")
        || is_server_function(path)
        || path.starts_with("/avatars/")
}

/// Polls each page's rendering with the page's own root reactive owner current.
///
/// Once a page has rendered, Leptos announces the wasm chunks of the lazy pages it drew
/// (`<link rel="preload">` in the head), but it looks up the split manifest and the head's
/// context from whichever owner is current on the thread at that moment, not from the
/// page's. A page rendered whole before it is sent (`SsrMode::Async`, every signed-in page)
/// leaves none current there, or by chance another request's, and a cold visit to a lazy
/// page then asks for its chunks only once the main wasm has run. The shell leaves the
/// page's root in `PageRoot` as it starts, and from then on every poll runs inside it.
/// Server functions render no page and skip this.
pub async fn page_owner(mut request: Request, next: Next) -> Response {
    if is_server_function(request.uri().path()) {
        return next.run(request).await;
    }
    let root = PageRoot::default();
    request.extensions_mut().insert(root.clone());
    let mut response = std::pin::pin!(next.run(request));
    std::future::poll_fn(|cx| match root.owner() {
        Some(owner) => owner.with(|| response.as_mut().poll(cx)),
        None => response.as_mut().poll(cx),
    })
    .await
}

/// Adds the security headers. A document's CSP allows exactly this page's inline hydration
/// scripts (by nonce), the app's own wasm, and nothing from elsewhere.
///
/// The app's own `/pkg` files (wasm, JS, CSS, the split manifest) are never a document, so
/// they get only `nosniff` (and HSTS): the CSP, framing, referrer, opener and permissions
/// headers act on documents and workers alone (the service worker is `/sw.js`, outside
/// `/pkg`). On each of the few dozen small wasm files a page loads, those headers were
/// 440 bytes of the about 1 KB the file took on the wire.
///
/// Data (server-function answers, `/healthz`, the live stream, avatars, exports) is never
/// rendered as a page either: it gets a fixed policy that allows nothing, with framing
/// refused and `nosniff`, and no nonce is drawn for it (the nonce is drawn when a page
/// renders, see `CspNonce`). Anything else, scripts such as the service worker included,
/// gets the document's policy.
pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_api = is_server_function(path);
    let is_pkg = path.starts_with("/pkg/");
    // Static files render no page: they get no nonce cell at all (a page's several dozen
    // wasm chunks each pass here).
    let nonce = (!is_pkg).then(|| {
        let nonce = CspNonce::default();
        request.extensions_mut().insert(nonce.clone());
        nonce
    });

    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_html = content_type.is_some_and(|v| v.starts_with("text/html"));
    let is_data = content_type.is_some_and(is_data);
    // Should anything under /pkg ever answer with HTML, it is a document like any other.
    if is_pkg && !is_html {
        return response;
    }
    if is_data {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DATA_POLICY));
    } else {
        // cargo-leptos's live reload (development only) talks over a WebSocket on its own port.
        let reload = if state.leptos_options.env == leptos::config::Env::DEV {
            let port = state.leptos_options.reload_port;
            format!(" ws://127.0.0.1:{port} ws://localhost:{port}")
        } else {
            String::new()
        };
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' blob: data:; connect-src 'self'{reload}; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
            nonce = nonce.unwrap_or_default().value()
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
        headers.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Also on data: a redirect's own policy decides the referrer of the request it leads to.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Personal data must not be kept by shared caches or the back-forward cache of a
    // shared computer; avatars and /pkg set their own caching.
    if (is_api || is_html) && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The policy of anything that is data, not a document: nothing may load or frame it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Whether a response of this type is data a browser never runs as a page or a worker.
fn is_data(content_type: &str) -> bool {
    ["application/json", "text/plain", "text/event-stream", "text/csv", "image/"]
        .iter()
        .any(|data| content_type.starts_with(data))
}

/// Where unsubscribe links lead (`app::backend::mail::links::unsubscribe`).
pub const UNSUBSCRIBE_PATH: &str = "/unsubscribe";

/// Refuses state-changing requests sent by another site (CSRF). Browsers mark every
/// request with `Sec-Fetch-Site`, and cross-origin POSTs with `Origin`; requests with
/// neither come from non-browser clients, which carry no ambient cookies to abuse.
pub async fn cross_site_guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A one-click unsubscribe (RFC 8058) is posted by mail providers, sometimes from the
    // reader's browser on their own site; the signed link is its authority, no cookie is
    // read, and all it can do is turn an email off.
    if safe_method || request.uri().path() == UNSUBSCRIBE_PATH {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return forbidden();
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let same_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"))
            == Some(host);
        if origin != state.config.public_url && !same_host {
            return forbidden();
        }
    }
    next.run(request).await
}

fn forbidden() -> Response {
    AppError::Forbidden.into_response()
}

/// Finds the session for the cookie and puts it in the request's extensions; sends
/// signed-out visitors of app pages to the sign-in page (and signed-in ones away from it).
pub async fn sessions_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = session_store::token_from_headers(&state.config, request.headers());
    let signed_in = match &token {
        Some(token) => {
            match session_store::resolve(
                &state.reads,
                &state.db,
                &state.sessions,
                &state.config,
                token,
            )
            .await
            {
                Ok(found) => found,
                // Already logged where it happened, inside this request's span.
                Err(err) => return err.into_response(),
            }
        }
        None => None,
    };
    let path = request.uri().path().to_owned();
    let is_page_load = matches!(*request.method(), Method::GET | Method::HEAD);
    let stale_cookie = token.is_some() && signed_in.is_none();

    let mut response = match signed_in {
        Some(session) => {
            if is_page_load && path == "/sign-in" {
                Redirect::to("/").into_response()
            } else {
                request.extensions_mut().insert(session);
                next.run(request).await
            }
        }
        None if is_page_load && !is_public(&path) => {
            let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = if wanted == "/" {
                "/sign-in".to_owned()
            } else {
                format!("/sign-in?next={}", encode_query_value(wanted))
            };
            Redirect::to(&target).into_response()
        }
        None => next.run(request).await,
    };
    if stale_cookie
        && let Ok(value) = HeaderValue::from_str(&session_store::clear_cookie_value(&state.config))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Percent-encodes a value for a query string (RFC 3986 unreserved characters and `/`
/// stay as they are).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A not-found response for requests the app refuses to describe further.
pub fn not_found() -> Response<Body> {
    AppError::NotFound.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(
            encode_query_value("/settings/profile?a=1&b=2"),
            "/settings/profile%3Fa%3D1%26b%3D2"
        );
    }

    #[test]
    fn app_pages_are_not_public() {
        assert!(is_public("/sign-in"));
        assert!(is_public("/pkg/kayse-profile.wasm"));
        assert!(!is_public("/"));
        assert!(!is_public("/settings/profile"));
        assert!(!is_public("/sign-in/../settings"));
    }
}
