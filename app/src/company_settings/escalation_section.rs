//! The "Urgent alerts" card of Company settings (Admins): which events must be seen, how
//! long to wait, and who hears of an alert nobody on the case opened.

use leptos::prelude::*;

use crate::ui::resource::server_resource;

use super::api::{ESCALATION_MINUTES, EscalationView, SaveEscalationPolicy, get_escalation_policy};
use crate::ui::form_errors::{server_field_error, server_form_error};
use crate::ui::page_content;

fn minutes_words(minutes: i32) -> String {
    match minutes {
        m if m % 60 == 0 && m >= 120 => format!("{} hours", m / 60),
        60 => "1 hour".to_owned(),
        m => format!("{m} minutes"),
    }
}

#[component]
pub fn EscalationSection() -> impl IntoView {
    let view = server_resource(|| (), |_| get_escalation_policy());
    let save = ServerAction::<SaveEscalationPolicy>::new();
    view! {
        <section class="card stack" aria-labelledby="urgent-alerts-heading">
            <h2 id="urgent-alerts-heading">"Urgent alerts"</h2>
            <p class="muted">"An unhappy client or a missed call is worth nothing if nobody sees it. When one must be acknowledged and nobody on the case opens it in time, it is sent again by email and push, then to the people below."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    page_content(view.await, move |view| view! { <EscalationForm view save/> }.into_any())
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn EscalationForm(view: EscalationView, save: ServerAction<SaveEscalationPolicy>) -> impl IntoView {
    let EscalationView { policy, members } = view;
    let negative = RwSignal::new(policy.negative_sentiment);
    let missed = RwSignal::new(policy.missed_call);
    let minutes = RwSignal::new(policy.minutes);
    let contact = RwSignal::new(policy.contact_id.unwrap_or(0));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveEscalationPolicy {
            negative_sentiment: negative.get_untracked(),
            missed_call: missed.get_untracked(),
            minutes: minutes.get_untracked(),
            contact_id: contact.get_untracked(),
        });
    };
    let status = move || match (save.pending().get(), save.value().get()) {
        (true, _) => Some("Saving…"),
        (false, Some(Ok(_))) => Some("Urgent alerts were saved."),
        _ => None,
    };
    view! {
        <form class="stack" on:submit=submit>
            <fieldset class="stack tight">
                <legend>"Must be acknowledged"</legend>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || negative.get()
                        on:change=move |ev| negative.set(event_target_checked(&ev))/>
                    "Negative sentiment"
                </label>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || missed.get()
                        on:change=move |ev| missed.set(event_target_checked(&ev))/>
                    "Missed call"
                </label>
            </fieldset>
            <div class="inline-fields">
                <div class="field">
                    <label for="escalation-minutes">"Escalate when unseen after"</label>
                    <select id="escalation-minutes"
                        on:change=move |ev| { if let Ok(m) = event_target_value(&ev).parse() { minutes.set(m); } }>
                        {ESCALATION_MINUTES.into_iter().map(|m| view! {
                            <option value=m.to_string() selected=m == policy.minutes>{minutes_words(m)}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{move || save.value().with(|v| server_field_error(v, "minutes"))}</p>
                </div>
                <div class="field">
                    <label for="escalation-contact">"Then tell"</label>
                    <select id="escalation-contact"
                        on:change=move |ev| { if let Ok(id) = event_target_value(&ev).parse() { contact.set(id); } }>
                        <option value="0" selected=policy.contact_id.is_none()>"The company's Admins"</option>
                        {members.into_iter().map(|m| view! {
                            <option value=m.id.to_string() selected=policy.contact_id == Some(m.id)>{m.name}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{move || save.value().with(|v| server_field_error(v, "contact_id"))}</p>
                </div>
            </div>
            <p class="hint">"First the people who got it are emailed and pushed again; after the same time again, the Admins or the colleague chosen here. Opening the notification, or the case, counts as seen."</p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save urgent alerts"</button>
            </div>
            <p class="form-status" role="status">{status}</p>
            <p class="form-error" role="alert">{move || save.value().with(|v| {
                server_form_error(v).filter(|_| server_field_error(v, "minutes").is_none() && server_field_error(v, "contact_id").is_none())
            })}</p>
        </form>
    }
    .into_any()
}
