//! The "Security policy" card of Company settings (Admins): "Require 2FA" with a grace
//! period, the idle timeout and maximum session length of sessions working in the company,
//! and "Allow remembered devices". One form, saved with "Save policy".

use leptos::prelude::*;

use crate::ui::resource::server_resource;

use super::api::{PolicyChoice, SaveSecurityPolicy, SecurityPolicyView, get_security_policy};
use crate::error::AppError;
use crate::ui::form_errors::{server_field_error, server_form_error};
use crate::ui::page_content;

#[component]
pub fn SecurityPolicySection() -> impl IntoView {
    let save = ServerAction::<SaveSecurityPolicy>::new();
    // Reloaded after a successful save only: a refused one keeps what was typed.
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let policy = server_resource(move || saved.get(), |_| get_security_policy());
    // Outside the form, which is drawn again from the saved policy.
    let status = move || match (save.pending().get(), save.value().get()) {
        (true, _) => Some("Saving…"),
        (false, Some(Ok(()))) => Some("The security policy was saved."),
        _ => None,
    };
    view! {
        <section class="card stack" aria-labelledby="security-policy-heading">
            <h2 id="security-policy-heading">"Security policy"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading the policy…"</p> }>
                {move || Suspend::new(async move {
                    page_content(policy.await, move |policy| view! { <PolicyForm policy save/> }.into_any())
                })}
            </Transition>
            <p class="form-status" role="status">{status}</p>
        </section>
    }
    .into_any()
}

/// A select's value for an optional number: "" is the server's default.
fn optional(value: Option<i32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[component]
fn PolicyForm(policy: SecurityPolicyView, save: ServerAction<SaveSecurityPolicy>) -> impl IntoView {
    let require = RwSignal::new(policy.require_two_factor);
    let grace = RwSignal::new(policy.grace_days.to_string());
    let idle = RwSignal::new(optional(policy.idle_timeout_minutes));
    let max = RwSignal::new(optional(policy.max_session_hours));
    let remembered = RwSignal::new(policy.allow_remembered_devices);
    let grace_error = move || {
        save.value().with(|v| server_field_error(v, "grace_days")).or_else(|| {
            (require.get()
                && grace.with(|g| g.trim().parse::<i32>().map_or(true, |d| !(0..=30).contains(&d))))
            .then(|| "Choose from 0 to 30 days.".to_owned())
        })
    };
    let idle_error = move || save.value().with(|v| server_field_error(v, "idle_timeout_minutes"));
    let max_error = move || save.value().with(|v| server_field_error(v, "max_session_hours"));
    let form_error = move || {
        save.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if grace_error().is_some() {
            return;
        }
        // The last answer goes, so "saved" is said of this save.
        save.value().set(None);
        save.dispatch(SaveSecurityPolicy {
            require_two_factor: require.get_untracked(),
            grace_days: grace.get_untracked().trim().parse().unwrap_or(0),
            idle_timeout_minutes: idle.get_untracked().parse().ok(),
            max_session_hours: max.get_untracked().parse().ok(),
            allow_remembered_devices: remembered.get_untracked(),
        });
    };
    let company = policy.company.clone();
    let can_require = policy.i_have_two_factor || policy.require_two_factor;
    let without = match policy.members_without_two_factor {
        0 => "Every member has two-factor authentication.".to_owned(),
        1 => "1 member has no two-factor authentication yet.".to_owned(),
        n => format!("{n} members have no two-factor authentication yet."),
    };
    let required_state = match (&policy.required_from, policy.require_two_factor) {
        (Some(from), _) => {
            format!("Grace period: members without it are kept out from {from}. {without}")
        }
        (None, true) => format!("Required now. {without}"),
        (None, false) => without,
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            <fieldset class="stack tight">
                <legend>"Two-factor authentication"</legend>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || require.get() disabled=!can_require
                        aria-describedby="require-2fa-hint"
                        on:change=move |ev| require.set(event_target_checked(&ev))/>
                    "Require 2FA"
                </label>
                <p id="require-2fa-hint" class="hint" data-testid="require-2fa-state">
                    {if can_require {
                        format!("Members of {company} without an authenticator app are asked to set one up, and after the grace period they see none of {company}'s data until they do. Their other companies are not affected.")
                    } else {
                        super::api::REQUIRE_NEEDS_YOUR_2FA.to_owned()
                    }}
                </p>
                <p class="muted">{required_state}</p>
                <div class="field">
                    <label for="grace-days">"Grace period (days)"</label>
                    <input id="grace-days" type="number" min="0" max="30" inputmode="numeric" bind:value=grace
                        disabled=move || !require.get()
                        aria-describedby="grace-days-hint grace-days-error"
                        aria-invalid=move || grace_error().is_some().to_string()/>
                    <p id="grace-days-hint" class="hint">"0 to 30 days. Members without 2FA are emailed now, and reminded two days before the end."</p>
                    <p id="grace-days-error" class="field-error">{grace_error}</p>
                </div>
            </fieldset>
            <fieldset class="stack tight">
                <legend>"Sessions"</legend>
                <PolicySelect id="idle-timeout" label="Idle timeout" value=idle choices=policy.idle_choices
                    default_label=format!("Server default ({})", policy.server_idle)
                    hint="Signs a session working in this company out after this long without activity. Two minutes before, the page offers “Stay signed in”."
                    error=Signal::derive(idle_error)/>
                <PolicySelect id="max-session" label="Maximum session length" value=max choices=policy.max_choices
                    default_label=format!("Server default ({})", policy.server_max)
                    hint="Asks for the password again this long after signing in, however active the session."
                    error=Signal::derive(max_error)/>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || remembered.get() aria-describedby="allow-remembered-hint"
                        on:change=move |ev| remembered.set(event_target_checked(&ev))/>
                    "Allow remembered devices"
                </label>
                <p id="allow-remembered-hint" class="hint">"When off, members enter a code at every sign-in (a person in several companies follows the strictest)."</p>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save policy" }}
                </button>
            </div>
            <p class="form-error" role="alert">{form_error}</p>
        </form>
    }
    .into_any()
}

#[component]
fn PolicySelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    choices: Vec<PolicyChoice>,
    default_label: String,
    hint: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let current = value.get_untracked();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id aria-describedby=format!("{hint_id} {error_id}")
                aria-invalid=move || error.get().is_some().to_string()
                on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=current.is_empty()>{default_label}</option>
                {choices.into_iter().map(|choice| {
                    let v = choice.value.to_string();
                    let chosen = v == current;
                    view! { <option value=v selected=chosen>{choice.label}</option> }
                }).collect_view()}
            </select>
            <p id=hint_id class="hint">{hint}</p>
            <p id=error_id class="field-error">{move || error.get()}</p>
        </div>
    }
    .into_any()
}
