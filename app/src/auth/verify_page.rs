//! The second step of signing in, for an account with two-factor authentication: a code
//! from the authenticator app, or a backup code.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{VerifySignIn, get_second_step_options};
use crate::error::AppError;
use crate::security::rules::LOW_BACKUP_CODES;

#[component]
pub fn SignInVerifyPage() -> impl IntoView {
    let verify = ServerAction::<VerifySignIn>::new();
    let options = Resource::new(|| (), |_| get_second_step_options());
    let use_backup = RwSignal::new(false);
    let pending = verify.pending();
    let code_error = move || {
        verify.value().with(|v| match v {
            Some(Err(err)) => Some(err.message_for("code").unwrap_or_else(|| err.to_string())),
            _ => None,
        })
    };
    let expired = move || verify.value().with(|v| matches!(v, Some(Err(AppError::Rejected(_)))));
    let signed_in_with_backup = move || {
        verify.value().with(|v| match v {
            Some(Ok(done)) => done.backup_codes_left.map(|left| (left, done.next.clone())),
            _ => None,
        })
    };
    let toggle = move |_| {
        use_backup.update(|b| *b = !*b);
        verify.value().set(None);
        crate::ui::focus::focus_after_render("second-factor-code");
    };

    view! {
        <Title text="Two-factor authentication · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Two-factor authentication"</h1>
                {move || match signed_in_with_backup() {
                    Some((left, next)) => view! {
                        <div class="stack" data-testid="backup-code-signed-in">
                            <p role="status">{match left {
                                1 => "You signed in with a backup code. You have 1 backup code left.".to_owned(),
                                n => format!("You signed in with a backup code. You have {n} backup codes left."),
                            }}</p>
                            {(left <= LOW_BACKUP_CODES).then(|| view! {
                                <p class="notice warning">"You are running out of backup codes. Generate a new set in "
                                    <a href="/settings/security">"Security settings"</a> "."</p>
                            })}
                            <a class="button primary wide" href=next>"Continue"</a>
                        </div>
                    }
                    .into_any(),
                    None => view! {
                        <ActionForm action=verify attr:class="stack" attr:novalidate=true>
                            <p>{move || if use_backup.get() {
                                "Enter one of your backup codes. Each code works once."
                            } else {
                                "Enter the 6-digit code from your authenticator app."
                            }}</p>
                            <div class="field">
                                <label for="second-factor-code">{move || if use_backup.get() { "Backup code" } else { "Authentication code" }}</label>
                                <input id="second-factor-code" name="code" type="text" required autofocus
                                    autocomplete=move || if use_backup.get() { "off" } else { "one-time-code" }
                                    inputmode=move || if use_backup.get() { "text" } else { "numeric" }
                                    aria-describedby="second-factor-error"
                                    aria-invalid=move || code_error().is_some().to_string()/>
                            </div>
                            <p id="second-factor-error" class="form-error" role="alert">{code_error}</p>
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let allowed = options.await.is_ok_and(|o| o.remember_device_allowed);
                                    allowed.then(|| view! {
                                        <div class="stack tight">
                                            <label class="checkbox">
                                                <input name="remember" type="checkbox" value="yes" aria-describedby="remember-device-hint"/>
                                                "Remember this device for 30 days"
                                            </label>
                                            <p id="remember-device-hint" class="hint">"This browser will not ask for a code until then. Leave it unticked on a shared computer."</p>
                                        </div>
                                    })
                                })}
                            </Suspense>
                            <Show when=expired>
                                <a class="button secondary wide" href="/sign-in">"Sign in again"</a>
                            </Show>
                            <button type="submit" class="button primary wide" disabled=move || pending.get()>
                                {move || if pending.get() { "Verifying…" } else { "Verify" }}
                            </button>
                            <button type="button" class="button link" on:click=toggle>
                                {move || if use_backup.get() { "Use your authenticator app instead" } else { "Use a backup code instead" }}
                            </button>
                        </ActionForm>
                    }
                    .into_any(),
                }}
            </div>
        </main>
    }
    .into_any()
}
