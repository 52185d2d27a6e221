//! The backup codes, shown once after turning 2FA on or regenerating them: the warning to
//! keep them safe, and Copy, Download and Print, before "Done".

use leptos::prelude::*;

use crate::ui::copy::copy_text;

#[component]
pub fn BackupCodesPanel(
    codes: Vec<String>,
    /// "I have saved my backup codes", owned by the caller (it outlives a re-render).
    saved: RwSignal<bool>,
    on_done: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<String>);
    let text = format!(
        "Kayse backup codes\nEach code works once. Keep them somewhere safe.\n\n{}\n",
        codes.join("\n")
    );
    let download_href = format!("data:text/plain;charset=utf-8,{}", encode_uri_component(&text));
    let copy_source = codes.join("\n");
    view! {
        <div class="backup-codes stack" data-testid="backup-codes">
            <h3>"Save your backup codes"</h3>
            <p class="notice warning">
                "Keep these codes somewhere safe, such as a password manager. They are the way back into your account if you lose your authenticator app. Each code works once, and they will not be shown again."
            </p>
            <ul class="code-list" aria-label="Backup codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
            <div class="form-actions">
                <button type="button" class="button secondary" on:click=move |_| copy_text(copy_source.clone(), copied, "Codes copied.")>"Copy"</button>
                <a class="button secondary" href=download_href download="kayse-backup-codes.txt">"Download"</a>
                <button type="button" class="button secondary" on:click=move |_| { let _ = window().print(); }>"Print"</button>
                <span class="hint" role="status">{move || copied.get()}</span>
            </div>
            <label class="checkbox">
                <input type="checkbox" bind:checked=saved/>
                "I have saved my backup codes"
            </label>
            <div class="form-actions">
                <button type="button" class="button primary" disabled=move || !saved.get() on:click=move |_| on_done.run(())>"Done"</button>
            </div>
        </div>
    }
    .into_any()
}

/// As JavaScript's `encodeURIComponent`, for the download link's `data:` URL.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
