//! The "Secure my account" card: one button, a question before anything happens.

use leptos::prelude::*;

use super::api::SecureMyAccount;
use crate::ui::EndingOwnSession;
use crate::ui::form_errors::server_form_error;

#[component]
pub fn SecureAccountSection() -> impl IntoView {
    let secure = ServerAction::<SecureMyAccount>::new();
    let asking = RwSignal::new(false);
    let pending = secure.pending();
    let error = move || secure.value().with(server_form_error);
    let ending_own_session = use_context::<EndingOwnSession>();
    let set_ending = move |ending: bool| {
        if let Some(flag) = ending_own_session {
            flag.0.set(ending);
        }
    };
    // The answer redirects to "Forgot password?"; a failure leaves this page as it was.
    Effect::new(move |_| {
        if matches!(secure.value().get(), Some(Err(_))) {
            set_ending(false);
        }
    });
    view! {
        <section class="card stack" aria-labelledby="secure-account-heading">
            <h2 id="secure-account-heading">"Secure my account"</h2>
            <p class="muted">
                "If you think someone else has used your account: sign out everywhere (here too), cancel pending changes, forget remembered devices, remove your passkeys, turn off push notifications on every device, and require a new password, chosen with a link sent to your email, before anyone signs in again. Your company's administrators are told."
            </p>
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <div class="form-actions">
                        <button type="button" class="button danger" on:click=move |_| asking.set(true)>
                            "Secure my account"
                        </button>
                    </div>
                }
            >
                <div class="stack tight" data-testid="secure-account-confirm">
                    <p><strong>"Sign out everywhere and require a new password?"</strong></p>
                    <div class="form-actions">
                        <button type="button" class="button danger" disabled=move || pending.get()
                            on:click=move |_| {
                                set_ending(true);
                                secure.dispatch(SecureMyAccount {});
                            }>
                            {move || if pending.get() { "Securing…" } else { "Yes, secure my account" }}
                        </button>
                        <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                    </div>
                </div>
            </Show>
            <p class="form-error" role="alert">{error}</p>
        </section>
    }
    .into_any()
}
