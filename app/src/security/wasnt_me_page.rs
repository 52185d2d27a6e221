//! `/secure-account?token=…`, where "This wasn't me" in a credential-change email leads:
//! one confirming click secures the account, without signing in. A plain form, so it works
//! before the wasm has loaded; the page load alone changes nothing (mail scanners open
//! links).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{SecureAccountByLink, check_wasnt_me_link};

#[component]
pub fn WasntMePage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let link = server_resource(move || token.clone(), check_wasnt_me_link);
    view! {
        <Title text="This wasn't me · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Secure your account"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(()) => {
                                let token = query.read_untracked().get("token").unwrap_or_default();
                                view! { <ConfirmSecure token/> }.into_any()
                            }
                            Err(err) => view! {
                                <p class="form-error" role="alert">{err.to_string()}</p>
                                <a class="button primary wide" href="/sign-in">"Go to sign in"</a>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
    .into_any()
}

#[component]
fn ConfirmSecure(token: String) -> impl IntoView {
    let secure = ServerAction::<SecureAccountByLink>::new();
    let pending = secure.pending();
    let token = StoredValue::new(token);
    let error = move || {
        secure.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err()).map(ToString::to_string))
    };
    view! {
        <Show
            when=move || matches!(secure.value().get(), Some(Ok(())))
            fallback=move || view! {
                <p>
                    "If a change to your account wasn't you, secure it now: every session is signed out, pending changes are cancelled, push notifications are turned off, and a new password, chosen with a link sent to your email, is needed before anyone signs in again. Your firm's administrators are told."
                </p>
                <ActionForm action=secure attr:class="stack">
                    <input type="hidden" name="token" value=token.get_value()/>
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit" class="button danger wide" disabled=move || pending.get()>
                        {move || if pending.get() { "Securing…" } else { "Secure my account" }}
                    </button>
                </ActionForm>
            }
        >
            <p role="status" data-testid="account-secured">
                "Your account is secured: every session was signed out, and your firm's administrators were told. To sign in again, choose a new password."
            </p>
            <a class="button primary wide" href="/forgot-password">"Choose a new password"</a>
        </Show>
    }
}
