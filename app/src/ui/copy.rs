//! Copy to clipboard, with the result said in a status line next to the button.

use leptos::prelude::*;

/// Copies text to the clipboard and says whether it worked.
pub fn copy_text(text: String, status: RwSignal<Option<String>>, done: &'static str) {
    let clipboard = window().navigator().clipboard();
    let promise = clipboard.write_text(&text);
    leptos::task::spawn_local(async move {
        let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        status.set(Some(if copied {
            done.to_owned()
        } else {
            "Could not copy. Select the text and copy it instead.".to_owned()
        }));
    });
}
