//! The "Send a test notification" card: choose an event, then one button per method.

use leptos::prelude::*;

use super::api::SendTestNotification;
use super::events::{Event, Method};

#[component]
pub fn TestSection() -> impl IntoView {
    let event = RwSignal::new(Event::NewMessage);
    let send = ServerAction::<SendTestNotification>::new();
    let pending = send.pending();
    let sent = move || send.value().get().and_then(Result::ok).map(|s| s.message);
    let failed = move || send.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <section class="card stack" aria-labelledby="test-heading">
            <h2 id="test-heading">"Send a test notification"</h2>
            <p class="muted">"Check that notifications reach you: a sample of the chosen event, sent by one method now, whatever your settings and quiet hours."</p>
            <div class="field">
                <label for="test-event">"Event"</label>
                <select id="test-event" prop:value=move || event.get().key()
                    on:change=move |ev| {
                        if let Some(chosen) = Event::from_key(&event_target_value(&ev)) {
                            event.set(chosen);
                        }
                    }>
                    {Event::ALL.into_iter().map(|e| view! { <option value=e.key()>{e.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="form-actions" role="group" aria-label="Send the test by">
                {Method::ALL.into_iter().map(|method| view! {
                    <button type="button" class="button secondary" disabled=move || pending.get()
                        aria-label=format!("Send a test notification: {}", method.label())
                        on:click=move |_| { send.dispatch(SendTestNotification { event: event.get_untracked(), method }); }>
                        {method.label()}
                    </button>
                }).collect_view()}
            </div>
            <p class="form-status" role="status">{move || if pending.get() { Some("Sending…".to_owned()) } else { sent() }}</p>
            <p class="form-error" role="alert">{failed}</p>
        </section>
    }
    .into_any()
}
