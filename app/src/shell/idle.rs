//! The idle warning: a session working in a company with an idle timeout ends after that
//! long without a request. Two minutes before, the page says "You will be signed out in
//! 2:00" with "Stay signed in"; at the limit it goes to the sign-in page by itself.
//!
//! The page counts from the last time it told the server the person was there: the page
//! load, then a keep-alive sent on a key press or click at most once a minute (so the
//! server's "last seen" is never older than the page thinks). Tabs of the same browser
//! share that moment through `localStorage`, so a tab left in the background does not
//! warn while the person works in another.

use leptos::prelude::*;

use super::api::KeepSessionAlive;

/// Seconds before the end when the warning shows.
#[cfg(feature = "hydrate")]
const WARN_BEFORE_SECONDS: f64 = 120.0;
/// Activity is reported at most this often.
#[cfg(feature = "hydrate")]
const REPORT_EVERY_MS: f64 = 60_000.0;
#[cfg(feature = "hydrate")]
const STORAGE_KEY: &str = "kayse.last-active";

/// "1:59", "0:05".
pub fn countdown(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[component]
pub fn IdleWarning(idle_timeout_seconds: i64) -> impl IntoView {
    let remaining = RwSignal::new(None::<u64>);
    let keep_alive = ServerAction::<KeepSessionAlive>::new();
    #[cfg(feature = "hydrate")]
    {
        let timeout_ms = idle_timeout_seconds as f64 * 1000.0;
        Effect::new(move |_| watch(timeout_ms, remaining, keep_alive));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = idle_timeout_seconds;
    let stay = NodeRef::<leptos::html::Button>::new();
    // Focus moves to the button as the warning appears, so Enter answers it.
    Effect::new(move |_| {
        if remaining.with(Option::is_some)
            && let Some(button) = stay.get()
        {
            let _ = button.focus();
        }
    });
    view! {
        <Show when=move || remaining.get().is_some()>
            <div class="idle-warning notice warning" role="alertdialog" aria-labelledby="idle-warning-text" data-testid="idle-warning">
                <p id="idle-warning-text" aria-live="polite">
                    "You will be signed out in " {move || countdown(remaining.get().unwrap_or(0))}
                </p>
                <button type="button" class="button primary" node_ref=stay
                    disabled=move || keep_alive.pending().get()
                    on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        report_activity(keep_alive);
                        remaining.set(None);
                    }>"Stay signed in"</button>
            </div>
        </Show>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

// Stored as whole milliseconds: formatting and parsing an `f64` would add the float
// printing and parsing code to the wasm every page downloads.
#[cfg(feature = "hydrate")]
fn shared_last_active() -> Option<f64> {
    let stored = window().local_storage().ok().flatten()?.get_item(STORAGE_KEY).ok().flatten()?;
    stored.parse::<i64>().ok().map(|ms| ms as f64)
}

#[cfg(feature = "hydrate")]
fn share_last_active(at: f64) {
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(STORAGE_KEY, &(at as i64).to_string());
    }
}

/// Tells the server the person is here, and every tab of this browser.
#[cfg(feature = "hydrate")]
fn report_activity(keep_alive: ServerAction<KeepSessionAlive>) {
    share_last_active(now_ms());
    keep_alive.dispatch(KeepSessionAlive {});
}

#[cfg(feature = "hydrate")]
fn watch(
    timeout_ms: f64,
    remaining: RwSignal<Option<u64>>,
    keep_alive: ServerAction<KeepSessionAlive>,
) {
    // The page load was a request: the server saw the person now.
    let loaded = now_ms();
    if shared_last_active().is_none_or(|at| at < loaded) {
        share_last_active(loaded);
    }
    let on_activity = move || {
        let last = shared_last_active().unwrap_or(loaded);
        if now_ms() - last >= REPORT_EVERY_MS {
            report_activity(keep_alive);
            remaining.set(None);
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |_| on_activity());
    let clicks = window_event_listener(leptos::ev::pointerdown, move |_| on_activity());
    let tick = set_interval_with_handle(
        move || {
            let last = shared_last_active().unwrap_or(loaded);
            let left_ms = last + timeout_ms - now_ms();
            if left_ms <= 0.0 {
                let _ = window().location().set_href("/sign-in");
            } else if left_ms <= WARN_BEFORE_SECONDS * 1000.0 {
                remaining.set(Some((left_ms / 1000.0).ceil() as u64));
            } else if remaining.get_untracked().is_some() {
                remaining.set(None);
            }
        },
        std::time::Duration::from_secs(1),
    );
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
        if let Ok(tick) = tick {
            tick.clear();
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_countdown_reads_minutes_and_seconds() {
        assert_eq!(super::countdown(120), "2:00");
        assert_eq!(super::countdown(119), "1:59");
        assert_eq!(super::countdown(5), "0:05");
    }
}
