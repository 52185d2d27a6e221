//! Asking before a destructive action, in place: the row's button turns into the question,
//! the action's button and "Cancel". Used where a dialog would be too heavy (revoking a
//! token, removing a push device).

use leptos::prelude::*;

#[component]
pub fn ConfirmInPlace(
    /// The row this belongs to; one row of a list asks at a time.
    id: i32,
    asking: RwSignal<Option<i32>>,
    /// The first button ("Revoke") and its accessible name ("Revoke Front desk phones").
    label: &'static str,
    accessible_label: String,
    /// "Revoke Front desk phones? Systems using it stop at once."
    question: String,
    /// The button that does it ("Revoke token").
    confirm_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let question = StoredValue::new(question);
    view! {
        <Show when=move || asking.get() != Some(id)
            fallback=move || view! {
                <div class="stack tight">
                    <p>{question.get_value()}</p>
                    <div class="form-actions">
                        <button type="button" class="button danger" disabled=move || pending.get()
                            on:click=move |_| on_confirm.run(())>{confirm_label}</button>
                        <button type="button" class="button secondary" on:click=move |_| asking.set(None)>"Cancel"</button>
                    </div>
                </div>
            }>
            <button type="button" class="button secondary" aria-label=accessible_label.clone()
                on:click=move |_| asking.set(Some(id))>{label}</button>
        </Show>
    }
    .into_any()
}
