//! The browser's entry point: hydrates the server-rendered page with the shared `app` crate.

#![recursion_limit = "256"]

/// Room for cargo-leptos's wasm splitter to lay out the read-only data.
///
/// The splitter gives each lazy page its own part of `.rodata` (its text, view templates and
/// vtables), laid out module by module with alignment padding; when that layout comes out
/// even a few bytes longer than the linker's segment, it gives up and keeps the whole
/// segment in the main module, so every first visit downloads every page's data (207 KB raw
/// in December 2026, against about 50 bytes over). Nothing refers to this array, so no module
/// receives it: it only lengthens the input segment, and the splitter's layout fits again.
/// `#[used]` keeps it through the linker (wasm-ld honours it as "no strip").
#[used]
static RODATA_SLACK_FOR_WASM_SPLIT: [u8; 4096] = [0; 4096];

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
