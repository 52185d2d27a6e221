//! The browser's side of turning push on: permission, the service worker (`/sw.js`), and
//! the Push API subscription. Runs only in the browser (from click handlers).

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// How long the browser gets to reach its push service before the page gives up and says
/// so (a browser without a route to its vendor's service may never answer).
const SUBSCRIBE_TIMEOUT_MS: i32 = 20_000;

/// Why push could not be turned on, in words for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushProblem {
    Unsupported,
    Blocked,
    Dismissed,
    /// The browser could not get a subscription from its push service.
    ServiceUnavailable(String),
}

impl PushProblem {
    pub fn message(&self) -> String {
        match self {
            PushProblem::Unsupported => {
                "This browser does not support push notifications. Email and in-app notifications still work.".to_owned()
            }
            PushProblem::Blocked => "Notifications are blocked for Kayse in this browser. Allow them in the browser\u{2019}s site settings, then try again.".to_owned(),
            PushProblem::Dismissed => {
                "Push needs permission to show notifications. Choose \u{201c}Allow\u{201d} when the browser asks.".to_owned()
            }
            PushProblem::ServiceUnavailable(detail) => format!(
                "This browser could not register with its push service, so push is not on for this device. Email and in-app notifications still work. (The browser said: {detail})"
            ),
        }
    }
}

fn has(target: &JsValue, name: &str) -> bool {
    Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
}

fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// A promise that resolves to `undefined` after `ms`.
fn delay(ms: i32) -> Promise {
    Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    })
}

/// base64url (no padding) to bytes, for `applicationServerKey`.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

fn push_manager(registration: JsValue) -> Result<web_sys::PushManager, PushProblem> {
    registration
        .dyn_into::<web_sys::ServiceWorkerRegistration>()
        .ok()
        .and_then(|r| r.push_manager().ok())
        .ok_or(PushProblem::Unsupported)
}

/// Asks for permission, registers the service worker and subscribes with the server's
/// key. Returns the subscription as JSON, to hand to the server.
pub async fn subscribe(server_key: &str) -> Result<String, PushProblem> {
    let window = web_sys::window().ok_or(PushProblem::Unsupported)?;
    let navigator = window.navigator();
    if !has(&navigator, "serviceWorker")
        || !has(&window, "PushManager")
        || !has(&window, "Notification")
    {
        return Err(PushProblem::Unsupported);
    }
    let asked =
        web_sys::Notification::request_permission().map_err(|_| PushProblem::Unsupported)?;
    let answer = JsFuture::from(asked).await.map_err(|_| PushProblem::Unsupported)?;
    match answer.as_string().as_deref() {
        Some("granted") => {}
        Some("denied") => return Err(PushProblem::Blocked),
        _ => return Err(PushProblem::Dismissed),
    }
    let workers = navigator.service_worker();
    JsFuture::from(workers.register("/sw.js"))
        .await
        .map_err(|e| PushProblem::ServiceUnavailable(describe(e)))?;
    let ready = workers.ready().map_err(|_| PushProblem::Unsupported)?;
    let manager = push_manager(
        JsFuture::from(ready).await.map_err(|e| PushProblem::ServiceUnavailable(describe(e)))?,
    )?;

    let options = web_sys::PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    let mut key = decode_base64url(server_key)
        .ok_or_else(|| PushProblem::ServiceUnavailable("bad server key".into()))?;
    options.set_application_server_key_opt_u8_slice(Some(&mut key));
    let subscribing = manager
        .subscribe_with_options(&options)
        .map_err(|e| PushProblem::ServiceUnavailable(describe(e)))?;
    let race = Promise::race(&js_sys::Array::of2(&subscribing, &delay(SUBSCRIBE_TIMEOUT_MS)));
    let subscription =
        JsFuture::from(race).await.map_err(|e| PushProblem::ServiceUnavailable(describe(e)))?;
    if subscription.is_undefined() || subscription.is_null() {
        return Err(PushProblem::ServiceUnavailable("no answer within 20 seconds".into()));
    }
    // `JSON.stringify` calls the subscription's `toJSON()`: endpoint and base64url keys.
    js_sys::JSON::stringify(&subscription)
        .ok()
        .and_then(|json| json.as_string())
        .ok_or_else(|| PushProblem::ServiceUnavailable("unreadable subscription".into()))
}

/// Ends this browser's subscription, if it has one (after the person removed this device).
pub async fn unsubscribe() {
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    if !has(&navigator, "serviceWorker") {
        return;
    }
    let registration = JsFuture::from(navigator.service_worker().get_registration()).await;
    let Ok(Ok(manager)) = registration.map(push_manager) else { return };
    let Ok(current) = manager.get_subscription() else { return };
    if let Ok(subscription) = JsFuture::from(current).await
        && let Ok(subscription) = subscription.dyn_into::<web_sys::PushSubscription>()
        && let Ok(done) = subscription.unsubscribe()
    {
        let _ = JsFuture::from(done).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_decodes_like_the_server_encodes() {
        assert_eq!(decode_base64url("BTBZMqHH6r4Tts7J_aSIgg").unwrap().len(), 16);
        assert_eq!(decode_base64url("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64url("aGVsbG8=").unwrap(), b"hello");
        assert!(decode_base64url("a+b/").is_none());
    }
}
