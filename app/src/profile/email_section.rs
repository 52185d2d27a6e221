//! The login email on the Profile tab: change it (with the password), resend or cancel
//! the confirmation link.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::api::{CancelEmailChange, ProfileView, RequestEmailChange, ResendEmailChange};
use crate::error::AppError;
use crate::ui::form_errors::{server_field_error, server_form_error};
use crate::ui::form_fields::SubmittedForm;

/// The login email. A change needs the current password and takes effect only when the
/// link sent to the new address is opened.
#[component]
pub fn EmailSection(current: RwSignal<ProfileView>) -> impl IntoView {
    let request = ServerAction::<RequestEmailChange>::new();
    let resend = ServerAction::<ResendEmailChange>::new();
    let cancel = ServerAction::<CancelEmailChange>::new();
    let form = NodeRef::<html::Form>::new();
    let notice = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        if let Some(Ok(view)) = request.value().get() {
            notice.set(
                view.pending_email
                    .as_ref()
                    .map(|p| format!("We sent a confirmation link to {}.", p.new_email)),
            );
            current.set(view);
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = resend.value().get() {
            notice.set(view.pending_email.as_ref().map(|p| {
                format!("We sent a new link to {}. Earlier links no longer work.", p.new_email)
            }));
            current.set(view);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = cancel.value().get() {
            notice.set(Some("The email change was cancelled.".into()));
            current.set(view);
        }
    });

    let field_error =
        move |field: &'static str| move || request.value().with(|v| server_field_error(v, field));
    let request_error = move || {
        request.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let pending_error = move || {
        resend.value().with(server_form_error).or_else(|| cancel.value().with(server_form_error))
    };

    // A plain form rather than `ActionForm`: see `ui::form_fields`.
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let fields = SubmittedForm::of(&ev);
        request.dispatch(RequestEmailChange {
            new_email: fields.text("new_email"),
            current_password: fields.text("current_password"),
        });
    };

    view! {
        <section class="card stack" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email"</h2>
            <p>"You sign in with " <strong data-testid="current-email">{move || current.with(|c| c.email.clone())}</strong>
                ". Notification emails go here too."</p>
            <p class="form-status" role="status">{move || notice.get()}</p>

            {move || current.with(|c| c.pending_email.clone()).map(|pending| view! {
                <div class="notice stack tight" data-testid="pending-email">
                    <p>"Waiting for confirmation of " <strong>{pending.new_email}</strong>
                        ". Your login email changes when the link we sent there is opened. It works until "
                        {pending.expires_display} "."</p>
                    <div class="form-actions">
                        <button type="button" class="button secondary" disabled=move || resend.pending().get()
                            on:click=move |_| { resend.dispatch(ResendEmailChange {}); }>"Resend"</button>
                        <button type="button" class="button secondary" disabled=move || cancel.pending().get()
                            on:click=move |_| { cancel.dispatch(CancelEmailChange {}); }>"Cancel"</button>
                    </div>
                    <p class="form-error" role="alert">{pending_error}</p>
                </div>
            })}

            <form action=RequestEmailChange::url() method="post" node_ref=form class="stack" novalidate
                on:submit=on_submit>
                <h3>"Change email"</h3>
                <div class="field">
                    <label for="new-email">"New email"</label>
                    <input id="new-email" name="new_email" type="email" autocomplete="email" required
                        aria-describedby="new-email-error"
                        aria-invalid=move || field_error("new_email")().is_some().to_string()/>
                    <p id="new-email-error" class="field-error">{field_error("new_email")}</p>
                </div>
                <div class="field">
                    <label for="email-current-password">"Current password"</label>
                    <input id="email-current-password" name="current_password" type="password"
                        autocomplete="current-password" required aria-describedby="email-current-password-error"
                        aria-invalid=move || field_error("current_password")().is_some().to_string()/>
                    <p id="email-current-password-error" class="field-error">{field_error("current_password")}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button secondary" disabled=move || request.pending().get()>
                        {move || if request.pending().get() { "Sending…" } else { "Send confirmation link" }}
                    </button>
                    <p class="form-error" role="alert">{request_error}</p>
                </div>
            </form>
        </section>
    }
    .into_any()
}
