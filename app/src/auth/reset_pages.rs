//! "Forgot password?": the page that asks for the link, and the page the link opens,
//! "Choose a new password". Both are plain forms that work before the wasm has loaded.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{RequestPasswordReset, ResetPassword, check_reset_link};
use crate::error::AppError;
use crate::ui::form_errors::server_field_error;

/// `/forgot-password`: the email address, and "Send reset link".
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let pending = request.pending();
    let email_error = move || request.value().with(|v| server_field_error(v, "email"));
    let form_error = move || {
        request.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) | None | Some(Ok(())) => None,
            Some(Err(err)) => Some(err.to_string()),
        })
    };
    let sent = move || matches!(request.value().get(), Some(Ok(())));
    // Arriving from "Secure my account" (every session, this one too, has just ended).
    let secured = use_query_map().read_untracked().get("secured").is_some();

    view! {
        <Title text="Forgot password · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Forgot your password?"</h1>
                {secured.then(|| view! {
                    <p class="notice" role="status" data-testid="account-secured">
                        "Your account is secured: every session was signed out. To sign in again, choose a new password with a link we'll send to your email."
                    </p>
                })}
                <Show
                    when=sent
                    fallback=move || view! {
                        <p>"Enter the email address you sign in with. We'll send you a link to choose a new password."</p>
                        <ActionForm action=request attr:class="stack" attr:novalidate=true>
                            <div class="field">
                                <label for="reset-email">"Email"</label>
                                <input id="reset-email" name="email" type="email" autocomplete="username" required
                                    aria-describedby="reset-email-error"
                                    aria-invalid=move || email_error().is_some().to_string()/>
                                <p id="reset-email-error" class="field-error">{email_error}</p>
                            </div>
                            <p class="form-error" role="alert">{form_error}</p>
                            <button type="submit" class="button primary wide" disabled=move || pending.get()>
                                {move || if pending.get() { "Sending…" } else { "Send reset link" }}
                            </button>
                        </ActionForm>
                    }
                >
                    <p role="status" data-testid="reset-link-sent">
                        "If an account uses that address, we've sent it a link to choose a new password. The link works once, for 30 minutes. Check your spam folder if it hasn't arrived in a few minutes."
                    </p>
                </Show>
                <p><a href="/sign-in">"Back to sign in"</a></p>
            </div>
        </main>
    }
    .into_any()
}

/// `/reset-password?token=…`, the page the emailed link opens: "Choose a new password".
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let link = server_resource(move || token.clone(), check_reset_link);

    view! {
        <Title text="Choose a new password · Kayse"/>
        <main class="auth-page" id="main">
            <div class="auth-card stack">
                <p class="brand-mark" aria-hidden="true">"Kayse"</p>
                <h1>"Choose a new password"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                    {move || Suspend::new(async move {
                        match link.await {
                            Ok(()) => {
                                let token = query.read_untracked().get("token").unwrap_or_default();
                                view! { <NewPasswordForm token/> }.into_any()
                            }
                            Err(err) => view! { <ExpiredLink message=err.to_string()/> }.into_any(),
                        }
                    })}
                </Suspense>
                <p><a href="/sign-in">"Back to sign in"</a></p>
            </div>
        </main>
    }
    .into_any()
}

#[component]
fn ExpiredLink(message: String) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">{message}</p>
        <a class="button primary wide" href="/forgot-password">"Ask for a new link"</a>
    }
}

#[component]
fn NewPasswordForm(token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let pending = reset.pending();
    let error_for =
        move |field: &'static str| move || reset.value().with(|v| server_field_error(v, field));
    let form_error = move || {
        reset.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) | None | Some(Ok(())) => None,
            Some(Err(err)) => Some(err.to_string()),
        })
    };
    let link_gone = move || reset.value().with(|v| matches!(v, Some(Err(AppError::Rejected(_)))));

    view! {
        <ActionForm action=reset attr:class="stack" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <div class="field">
                <label for="reset-new-password">"New password"</label>
                <input id="reset-new-password" name="new_password" type="password" autocomplete="new-password" required
                    aria-describedby="reset-new-password-hint reset-new-password-error"
                    aria-invalid=move || error_for("new_password")().is_some().to_string()/>
                <p id="reset-new-password-hint" class="hint">
                    "At least 8 characters. A long passphrase you use nowhere else is best."
                </p>
                <p id="reset-new-password-error" class="field-error">{error_for("new_password")}</p>
            </div>
            <div class="field">
                <label for="reset-confirm-password">"Confirm new password"</label>
                <input id="reset-confirm-password" name="confirm_password" type="password" autocomplete="new-password" required
                    aria-describedby="reset-confirm-password-error"
                    aria-invalid=move || error_for("confirm_password")().is_some().to_string()/>
                <p id="reset-confirm-password-error" class="field-error">{error_for("confirm_password")}</p>
            </div>
            <p class="form-error" role="alert">{form_error}</p>
            <Show when=link_gone>
                <a class="button secondary wide" href="/forgot-password">"Ask for a new link"</a>
            </Show>
            <button type="submit" class="button primary wide" disabled=move || pending.get()>
                {move || if pending.get() { "Saving…" } else { "Set new password" }}
            </button>
        </ActionForm>
    }
}
