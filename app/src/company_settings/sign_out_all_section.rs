//! "Sign out all members" (Admins), for a suspected breach: every member's sessions end at
//! once, on every device, but the Admin's own. The Admin's password and the company's
//! name, typed, are asked first: it is the one action here that stops everyone's work.

use leptos::prelude::*;

use super::api::SignOutAllMembers;
use crate::error::AppError;
use crate::ui::form_errors::{server_field_error, server_form_error};

#[component]
pub fn SignOutAllSection(company: String) -> impl IntoView {
    let action = ServerAction::<SignOutAllMembers>::new();
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    let company = StoredValue::new(company);
    let typed_right =
        move || company.with_value(|c| confirmation.get().trim().eq_ignore_ascii_case(c.trim()));
    let password_error = move || action.value().with(|v| server_field_error(v, "password"));
    let confirmation_error = move || action.value().with(|v| server_field_error(v, "confirmation"));
    let form_error = move || {
        action.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(ended)) = action.value().get() {
            password.set(String::new());
            confirmation.set(String::new());
            done.set(Some(match ended {
                1 => "1 session was signed out. Yours stays open.".to_owned(),
                n => format!("{n} sessions were signed out. Yours stays open."),
            }));
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        action.dispatch(SignOutAllMembers {
            password: password.get_untracked(),
            confirmation: confirmation.get_untracked(),
        });
    };
    view! {
        <section class="card stack" aria-labelledby="sign-out-all-heading">
            <h2 id="sign-out-all-heading">"Sign out all members"</h2>
            <p class="muted">
                "If you suspect someone got into " {company.get_value()}
                ", sign everyone out at once: every member must sign in again on every device. Your own session stays open."
            </p>
            <form class="stack" on:submit=on_submit novalidate=true>
                <div class="field">
                    <label for="sign-out-all-confirmation">"Type " <strong>{company.get_value()}</strong> " to confirm"</label>
                    <input id="sign-out-all-confirmation" type="text" autocomplete="off" bind:value=confirmation
                        aria-describedby="sign-out-all-confirmation-error"
                        aria-invalid=move || confirmation_error().is_some().to_string()/>
                    <p id="sign-out-all-confirmation-error" class="field-error">{confirmation_error}</p>
                </div>
                <div class="field">
                    <label for="sign-out-all-password">"Your password"</label>
                    <input id="sign-out-all-password" type="password" autocomplete="current-password" bind:value=password
                        aria-describedby="sign-out-all-password-error"
                        aria-invalid=move || password_error().is_some().to_string()/>
                    <p id="sign-out-all-password-error" class="field-error">{password_error}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button danger"
                        disabled=move || action.pending().get() || !typed_right()>
                        {move || if action.pending().get() { "Signing everyone out…" } else { "Sign out all members" }}
                    </button>
                </div>
                <p class="form-status" role="status">{move || done.get()}</p>
                <p class="form-error" role="alert">{form_error}</p>
            </form>
        </section>
    }
    .into_any()
}
