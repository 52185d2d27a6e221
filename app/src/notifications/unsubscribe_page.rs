//! `/unsubscribe?link=…`, where "Turn off these emails" in a notification email leads:
//! says what the link turns off and does it on one click, without signing in. The page
//! load alone changes nothing (mail scanners open links); mail clients' one-click POST
//! goes to the same address (RFC 8058).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{UnsubscribeByLink, UnsubscribeChoice, check_unsubscribe_link};

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let link_text = query.read_untracked().get("link").unwrap_or_default();
    let link = StoredValue::new(link_text.clone());
    let choice = server_resource(move || link_text.clone(), check_unsubscribe_link);
    view! {
        <Title text="Unsubscribe · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Email notifications"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        match choice.await {
                            Ok(choice) => view! { <ConfirmUnsubscribe link=link.get_value() choice/> }.into_any(),
                            Err(err) => view! {
                                <p class="form-error" role="alert">{err.to_string()}</p>
                                <a class="button primary wide" href="/settings/notifications">"Open notification settings"</a>
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
fn ConfirmUnsubscribe(link: String, choice: UnsubscribeChoice) -> impl IntoView {
    let unsubscribe = ServerAction::<UnsubscribeByLink>::new();
    let pending = unsubscribe.pending();
    let error = move || unsubscribe.value().get().and_then(Result::err).map(|e| e.to_string());
    let UnsubscribeChoice { what, settings, already_off } = choice;
    let done = move || already_off || matches!(unsubscribe.value().get(), Some(Ok(_)));
    let done_text = format!("Done: {what} are off in {settings}.");
    let question =
        format!("Turn off {what} in {settings}? In-app and push notifications stay as they are.");
    let link = StoredValue::new(link);
    view! {
        <Show when=done
            fallback=move || view! {
                <p>{question.clone()}</p>
                <ActionForm action=unsubscribe attr:class="stack">
                    <input type="hidden" name="link" value=link.get_value()/>
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit" class="button primary wide" disabled=move || pending.get()>
                        {move || if pending.get() { "Turning off…" } else { "Turn off these emails" }}
                    </button>
                </ActionForm>
            }
        >
            <p role="status" data-testid="unsubscribed">{done_text.clone()}</p>
        </Show>
        <a href="/settings/notifications">"Choose which notifications you get"</a>
    }
    .into_any()
}
