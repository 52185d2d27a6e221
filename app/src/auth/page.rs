//! The sign-in page: email and password, with the error next to the form, or "Sign in
//! with a passkey".

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{SignIn, begin_passkey_sign_in, finish_passkey_sign_in};
use crate::ui::passkeys::use_passkey;

#[component]
pub fn SignInPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || sign_in.value().get().and_then(Result::err).map(|e| e.to_string());
    let pending = sign_in.pending();
    let passkey_error = RwSignal::new(None::<String>);
    let passkey_busy = RwSignal::new(false);
    // The server names the account from the passkey; then on to `next`, as a password would.
    let with_passkey = move |_| {
        passkey_error.set(None);
        passkey_busy.set(true);
        let next = query.read_untracked().get("next");
        leptos::task::spawn_local(async move {
            let outcome = match begin_passkey_sign_in().await {
                Err(err) => Err(err.to_string()),
                Ok(challenge) => match use_passkey(&challenge.options).await {
                    Err(problem) => Err(problem),
                    Ok(credential) => finish_passkey_sign_in(challenge.ceremony, credential, next)
                        .await
                        .map_err(|err| err.to_string()),
                },
            };
            if let Err(problem) = outcome {
                passkey_error.set(Some(problem));
            }
            passkey_busy.set(false);
        });
    };

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
                <div class="stack tight auth-alternative">
                    <p class="divider-text" aria-hidden="true">"or"</p>
                    <button type="button" class="button secondary wide" on:click=with_passkey
                        disabled=move || passkey_busy.get() aria-describedby="passkey-sign-in-error">
                        {move || if passkey_busy.get() { "Waiting for your passkey…" } else { "Sign in with a passkey" }}
                    </button>
                    <p id="passkey-sign-in-error" class="form-error" role="alert">{move || passkey_error.get()}</p>
                </div>
            </div>
        </main>
    }
    .into_any()
}
