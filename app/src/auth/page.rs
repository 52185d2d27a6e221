//! The sign-in page: email and password, with the error next to the form.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || sign_in.value().get().and_then(Result::err).map(|e| e.to_string());
    let pending = sign_in.pending();

    view! {
        <Title text="Sign in · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Sign in to Kayse"</h1>
                <ActionForm action=sign_in attr:class="stack" attr:novalidate=true>
                    <input type="hidden" name="next" prop:value=next/>
                    <div class="field">
                        <label for="sign-in-email">"Email"</label>
                        <input id="sign-in-email" name="email" type="email" autocomplete="username" required
                            aria-describedby="sign-in-error"/>
                    </div>
                    <div class="field">
                        <div class="label-row">
                            <label for="sign-in-password">"Password"</label>
                            <a href="/forgot-password" class="small-link">"Forgot password?"</a>
                        </div>
                        <input id="sign-in-password" name="password" type="password" autocomplete="current-password"
                            required aria-describedby="sign-in-error"/>
                    </div>
                    <p id="sign-in-error" class="form-error" role="alert">{error}</p>
                    <button type="submit" class="button primary wide" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
    .into_any()
}
