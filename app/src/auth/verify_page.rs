//! The second step of signing in, for an account with two-factor authentication: a code
//! from the authenticator app, or a backup code.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;

use super::api::{
    VerifySignIn, begin_passkey_second_step, finish_passkey_second_step, get_second_step_options,
};
use crate::error::AppError;
use crate::security::rules::LOW_BACKUP_CODES;
use crate::ui::passkeys::use_passkey;

#[component]
pub fn SignInVerifyPage() -> impl IntoView {
    let verify = ServerAction::<VerifySignIn>::new();
    let options = server_resource(|| (), |_| get_second_step_options());
    let remember = RwSignal::new(false);
    let passkey_error = RwSignal::new(None::<String>);
    let passkey_busy = RwSignal::new(false);
    let with_passkey = move |_| {
        passkey_error.set(None);
        passkey_busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = match begin_passkey_second_step().await {
                Err(err) => Err(err.to_string()),
                Ok(challenge) => match use_passkey(&challenge.options).await {
                    Err(problem) => Err(problem),
                    Ok(credential) => finish_passkey_second_step(
                        challenge.ceremony,
                        credential,
                        remember.get_untracked().then(|| "yes".to_owned()),
                    )
                    .await
                    .map_err(|err| err.to_string()),
                },
            };
            // On success the server's redirect has already moved the page on.
            if let Err(problem) = outcome {
                passkey_error.set(Some(problem));
            }
            passkey_busy.set(false);
        });
    };
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
                                                <input name="remember" type="checkbox" value="yes" aria-describedby="remember-device-hint"
                                                    on:change=move |ev| remember.set(event_target_checked(&ev))/>
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
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let offered = options.await.is_ok_and(|o| o.passkey);
                                    offered.then(|| view! {
                                        <button type="button" class="button secondary wide" on:click=with_passkey
                                            disabled=move || passkey_busy.get() aria-describedby="second-step-passkey-error">
                                            {move || if passkey_busy.get() { "Waiting for your passkey…" } else { "Use a passkey" }}
                                        </button>
                                        <p id="second-step-passkey-error" class="form-error" role="alert">{move || passkey_error.get()}</p>
                                    })
                                })}
                            </Suspense>
                        </ActionForm>
                    }
                    .into_any(),
                }}
            </div>
        </main>
    }
    .into_any()
}
