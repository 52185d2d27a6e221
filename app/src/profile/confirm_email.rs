//! The page a confirmation link opens: it confirms the new login email once.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::ConfirmEmailChange;

/// Where the confirmation link lands. Confirming is a button (a POST), not the page load,
/// so a mail scanner that prefetches links cannot use up the link.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirm = ServerAction::<ConfirmEmailChange>::new();

    view! {
        <Title text="Confirm your email · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <h1>"Confirm your new email address"</h1>
                {move || match confirm.value().get() {
                    Some(Ok(email)) => view! {
                        <p role="status">"Your login email is now " <strong>{email}</strong> "."</p>
                        <a class="button primary wide" href="/">"Continue to Kayse"</a>
                    }
                    .into_any(),
                    other => {
                        let error = other.and_then(Result::err).map(|e| e.to_string());
                        view! {
                            <p>"Confirm to start signing in to Kayse with this address."</p>
                            <ActionForm action=confirm attr:class="stack">
                                <input type="hidden" name="token" prop:value=token/>
                                <p class="form-error" role="alert">{error}</p>
                                <button type="submit" class="button primary wide" disabled=move || confirm.pending().get()>
                                    "Confirm email"
                                </button>
                            </ActionForm>
                        }
                        .into_any()
                    }
                }}
            </div>
        </main>
    }
    .into_any()
}
