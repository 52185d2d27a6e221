//! The live channel every signed-in page keeps open: server-sent events at `/live` that
//! sign the page out when its session ends, ring the bell when notifications change, and
//! reload the top bar when one of the person's companies changed what it asks of them.

use leptos::prelude::*;

/// Listens on the live channel (server-sent events at `/live`): when the server says this
/// session has ended, goes to the sign-in page without waiting for a click; when this
/// person's notifications changed, the bell and the unread counts reload.
#[component]
pub fn LiveChannel() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let notifications = crate::notifications::NotificationsChanged::from_context();
    #[cfg(feature = "hydrate")]
    let ending_own_session = use_context::<crate::ui::EndingOwnSession>();
    #[cfg(feature = "hydrate")]
    let account = use_context::<crate::ui::AccountRefresh>();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new("/live") else { return };
        let on_signed_out = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if ending_own_session.is_some_and(|ending| ending.0.get_untracked()) {
                return;
            }
            let _ = window().location().set_href("/sign-in");
        });
        let _ = source
            .add_event_listener_with_callback("signed-out", on_signed_out.as_ref().unchecked_ref());
        let on_notifications =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| notifications.bump());
        let _ = source.add_event_listener_with_callback(
            "notifications",
            on_notifications.as_ref().unchecked_ref(),
        );
        // A role, a company's policy or a membership changed: the top bar reloads
        // (the Company settings link, the 2FA banner, the idle timeout).
        let on_companies = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(account) = account {
                account.bump();
            }
        });
        let _ = source
            .add_event_listener_with_callback("companies", on_companies.as_ref().unchecked_ref());
        // The listeners live as long as the event source, which lives as long as the page.
        on_signed_out.forget();
        on_notifications.forget();
        on_companies.forget();
        let source = StoredValue::new_local(source);
        on_cleanup(move || source.with_value(|s| s.close()));
    });
}
