//! The layers every request passes: security headers with a per-request CSP nonce, the
//! cross-site request guard, and the session lookup that also keeps signed-out visitors
//! on the sign-in page.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;

use app::CspNonce;
use app::backend::{AppState, session_store};
use app::error::AppError;

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
        || path.starts_with("/api/")
        || path.starts_with("/avatars/")
}

/// Adds the security headers. The CSP allows exactly this page's inline hydration scripts
/// (by nonce), the app's own wasm, and nothing from elsewhere.
///
/// The app's own `/pkg` files (wasm, JS, CSS, the split manifest) are never a document, so
/// they get only `nosniff` (and HSTS): the CSP, framing, referrer, opener and permissions
/// headers act on documents and workers alone (the service worker is `/sw.js`, outside
/// `/pkg`). On each of the few dozen small wasm files a page loads, those headers were
/// 440 bytes of the about 1 KB the file took on the wire.
pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_api = path.starts_with("/api/");
    let is_pkg = path.starts_with("/pkg/");
    // Static files render no page, so they need no nonce: none is drawn for them.
    let page_nonce = (!is_pkg).then(draw_nonce);
    if let Some(nonce) = &page_nonce {
        request.extensions_mut().insert(CspNonce(nonce.clone()));
    }

    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Should anything under /pkg ever answer with HTML, it is a document like any other.
    if is_pkg && !is_html {
        return response;
    }
    let nonce = page_nonce.unwrap_or_else(draw_nonce);
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
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    // Personal data must not be kept by shared caches or the back-forward cache of a
    // shared computer; avatars and /pkg set their own caching.
    if (is_api || is_html) && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A fresh CSP nonce: 144 random bits.
fn draw_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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
