//! The page the login-email links open: the confirmation link sent to the new address
//! confirms the change once; the "cancel" link sent to the old address stops it.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{CancelEmailChangeByLink, ConfirmEmailChange};

/// Where the confirmation link lands. Confirming is a button (a POST), not the page load,
/// so a mail scanner that prefetches links cannot use up the link.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    if let Some(cancel) = query.read_untracked().get("cancel") {
        return view! { <CancelEmailChange token=cancel/> }.into_any();
    }
    let token = move || query.read().get("token").unwrap_or_default();
    let confirm = ServerAction::<ConfirmEmailChange>::new();

    view! {
        <LinkPage title="Confirm your email · Kayse" heading="Confirm your new email address">
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
        </LinkPage>
    }
    .into_any()
}

/// Where the "cancel" link sent to the old address lands. Again a button, not the page load.
#[component]
fn CancelEmailChange(token: String) -> impl IntoView {
    let cancel = ServerAction::<CancelEmailChangeByLink>::new();
    view! {
        <LinkPage title="Cancel the email change · Kayse" heading="Cancel the email change">
                {move || match cancel.value().get() {
                    Some(Ok(())) => view! {
                        <p role="status">
                            "The change was cancelled: your login email stays as it was. If you did not ask for it, change your password and review your sessions."
                        </p>
                        <a class="button primary wide" href="/settings/security">"Go to Security settings"</a>
                    }
                    .into_any(),
                    other => {
                        let error = other.and_then(Result::err).map(|e| e.to_string());
                        let token = token.clone();
                        view! {
                            <p>"Someone asked to move your Kayse login to another address. Cancel it to keep this one."</p>
                            <ActionForm action=cancel attr:class="stack">
                                <input type="hidden" name="token" prop:value=token/>
                                <p class="form-error" role="alert">{error}</p>
                                <button type="submit" class="button danger wide" disabled=move || cancel.pending().get()>
                                    "Cancel the change"
                                </button>
                            </ActionForm>
                        }
                        .into_any()
                    }
                }}
        </LinkPage>
    }
    .into_any()
}

/// The frame both link pages share: the page title and a card under its heading.
#[component]
fn LinkPage(title: &'static str, heading: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <h1>{heading}</h1>
                {children()}
            </div>
        </main>
    }
}
