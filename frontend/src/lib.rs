//! The browser's entry point: hydrates the server-rendered page with the shared `app` crate.

#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = leptos::prelude::document().body() else { return };
    // Some pages are lazy routes (their code is a separate wasm file), so hydration is
    // asynchronous: it waits for the current page's code before taking over the DOM.
    // (`hydrate_from_async` starts Leptos's executor itself.)
    wasm_bindgen_futures::spawn_local(async move {
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        app.forget();
        // A marker for the end-to-end tests (and anyone debugging): the page now reacts.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
