#![recursion_limit = "256"]

//! The browser entry point: hydrates the server-rendered page with the shared `app` crate.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for the end-to-end tests (and anyone debugging): the page now reacts.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
