//! "Change Password": current password, new password with a strength meter, confirmation,
//! and "Sign out of all other devices" (checked by default).

use leptos::prelude::*;

use super::api::ChangePassword;
use super::rules::{self, Strength};
use crate::error::AppError;
use crate::ui::focus::{focus_after_render, focus_first_invalid};
use crate::ui::form_errors::{server_field_error, server_form_error};

#[component]
pub fn ChangePasswordSection(on_changed: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let change = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let sign_out_others = RwSignal::new(true);
    let client_errors = RwSignal::new(Vec::<(&'static str, String)>::new());
    let notice = RwSignal::new(None::<String>);
    let pending = change.pending();

    Effect::new(move |_| {
        if let Some(Ok(done)) = change.value().get() {
            open.set(false);
            current.set(String::new());
            new_password.set(String::new());
            confirm.set(String::new());
            notice.set(Some(match done.other_sessions_ended {
                0 => "Your password was changed.".to_owned(),
                1 => "Your password was changed, and 1 other session was signed out.".to_owned(),
                n => format!("Your password was changed, and {n} other sessions were signed out."),
            }));
            on_changed.run(());
        }
    });
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Err(_))) {
            focus_first_invalid();
        }
    });

    let error_for = move |field: &'static str| {
        move || {
            client_errors
                .with(|errors| errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
                .or_else(|| change.value().with(|v| server_field_error(v, field)))
        }
    };
    let form_error = move || {
        change.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let strength = Memo::new(move |_| rules::strength(&new_password.get()));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        if current.get_untracked().is_empty() {
            errors.push(("current_password", "Enter your current password.".to_owned()));
        }
        if let Some(problem) = rules::length_problem(&new_password.get_untracked()) {
            errors.push(("new_password", problem.to_owned()));
        } else if confirm.get_untracked() != new_password.get_untracked() {
            errors.push(("confirm_password", rules::MISMATCH.to_owned()));
        }
        let invalid = !errors.is_empty();
        client_errors.set(errors);
        if invalid {
            focus_first_invalid();
            return;
        }
        change.dispatch(ChangePassword {
            current_password: current.get_untracked(),
            new_password: new_password.get_untracked(),
            confirm_password: confirm.get_untracked(),
            sign_out_others: sign_out_others.get_untracked(),
        });
    };

    view! {
        <section class="card stack" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <p class="form-status" role="status">{move || notice.get()}</p>
            <Show when=move || !open.get()>
                <div class="form-actions">
                    <button type="button" class="button secondary" on:click=move |_| {
                        notice.set(None);
                        client_errors.set(Vec::new());
                        open.set(true);
                        focus_after_render("current-password");
                    }>"Change Password"</button>
                    <span class="hint">"Use a long password you don't use anywhere else."</span>
                </div>
            </Show>
            <Show when=move || open.get()>
                <form class="stack" on:submit=on_submit novalidate=true>
                    <div class="field">
                        <label for="current-password">"Current password"</label>
                        <input id="current-password" type="password" autocomplete="current-password" required
                            bind:value=current aria-describedby="current-password-error"
                            aria-invalid=move || error_for("current_password")().is_some().to_string()/>
                        <p id="current-password-error" class="field-error">{error_for("current_password")}</p>
                    </div>
                    <div class="field">
                        <label for="new-password">"New password"</label>
                        <input id="new-password" type="password" autocomplete="new-password" required
                            bind:value=new_password aria-describedby="new-password-strength new-password-error"
                            aria-invalid=move || error_for("new_password")().is_some().to_string()/>
                        <div class="strength" data-level=move || strength.get().level().to_string() aria-hidden="true">
                            <span></span><span></span><span></span><span></span>
                        </div>
                        <p id="new-password-strength" class="hint" aria-live="polite">
                            {move || {
                                let s = strength.get();
                                if s == Strength::Empty { s.hint().to_owned() } else { format!("{}. {}", s.label(), s.hint()) }
                            }}
                        </p>
                        <p id="new-password-error" class="field-error">{error_for("new_password")}</p>
                    </div>
                    <div class="field">
                        <label for="confirm-password">"Confirm new password"</label>
                        <input id="confirm-password" type="password" autocomplete="new-password" required
                            bind:value=confirm aria-describedby="confirm-password-error"
                            aria-invalid=move || error_for("confirm_password")().is_some().to_string()/>
                        <p id="confirm-password-error" class="field-error">{error_for("confirm_password")}</p>
                    </div>
                    <label class="checkbox">
                        <input type="checkbox" bind:checked=sign_out_others/>
                        "Sign out of all other devices"
                    </label>
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || pending.get()>
                            {move || if pending.get() { "Updating…" } else { "Update Password" }}
                        </button>
                        <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                    <p class="form-error" role="alert">{form_error}</p>
                </form>
            </Show>
        </section>
    }
    .into_any()
}
