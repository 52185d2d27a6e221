use leptos::prelude::*;

/// Listens on the live channel (server-sent events at `/live`) and, when the server says
/// this session has ended, goes to the sign-in page without waiting for a click.
#[component]
pub fn LiveSignOut() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new("/live") else { return };
        let on_signed_out = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let _ = window().location().set_href("/sign-in");
        });
        let _ = source.add_event_listener_with_callback("signed-out", on_signed_out.as_ref().unchecked_ref());
        // The listener lives as long as the event source, which lives as long as the page.
        on_signed_out.forget();
        let source = StoredValue::new_local(source);
        on_cleanup(move || source.with_value(|s| s.close()));
    });
}
