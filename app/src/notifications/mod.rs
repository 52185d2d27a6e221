//! The Notifications tab: which events reach the person, and how. Each switch saves at
//! once with a quiet confirmation; a failed save puts the switch back and says why.

pub mod api;
#[cfg(feature = "ssr")]
pub mod case_events;
mod center;
mod center_panel;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod dispatcher;
#[cfg(feature = "ssr")]
pub mod escalation;
pub mod events;
pub mod filters;
mod filters_section;
#[cfg(feature = "ssr")]
pub mod inbox;
pub mod push;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod server;
mod test_section;
#[cfg(feature = "ssr")]
pub mod test_send;
#[cfg(feature = "ssr")]
pub mod timing;
#[cfg(feature = "ssr")]
pub mod unsubscribe;
mod unsubscribe_page;

pub use center::{NotificationBell, NotificationsChanged};
pub use unsubscribe_page::UnsubscribePage;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;

use crate::ui::confirm::ConfirmInPlace;
use crate::ui::page_content;
use api::{
    CustomizeNotifications, FirmSettings, Preferences, SetEmailDigest, SetNotificationPreference,
    SetQuietHours, SetTaskDueLead, SetUrgentDuringQuietHours, SettingsScope,
    UseDefaultNotificationSettings, get_notification_preferences,
};
use events::{Delivery, Digest, Event, EventGroup, Method, TASK_DUE_LEAD_TIMES};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let customize = ServerAction::<CustomizeNotifications>::new();
    let use_defaults = ServerAction::<UseDefaultNotificationSettings>::new();
    // Switching between the defaults and a firm's own copy draws the tab again.
    let preferences = server_resource(
        move || (customize.version().get(), use_defaults.version().get()),
        |_| get_notification_preferences(),
    );
    view! {
        <Title text="Notifications · Profile Settings · Kayse"/>
        <Transition fallback=|| view! { <p class="muted">"Loading your notification settings…"</p> }>
            {move || Suspend::new(async move {
                page_content(preferences.await, move |preferences| {
                    view! { <PreferencesForm preferences customize use_defaults/> }.into_any()
                })
            })}
        </Transition>
    }
    .into_any()
}

/// Which settings the tab shows, and the way to the other kind: "Customize for <firm>" or
/// "Use my default settings".
#[component]
fn WhichSettings(
    firm: Option<FirmSettings>,
    customize: ServerAction<CustomizeNotifications>,
    use_defaults: ServerAction<UseDefaultNotificationSettings>,
) -> impl IntoView {
    let Some(FirmSettings { name, own, .. }) = firm else {
        return view! { <p class="muted">"These settings apply in every company you work for."</p> }
            .into_any();
    };
    let asking = RwSignal::new(None::<i32>);
    let failed = move || {
        customize
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| use_defaults.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    let body = if own {
        view! {
            <p data-testid="settings-shown">
                "Showing " <strong>{format!("{name}'s own settings")}</strong>
                ". Your other companies use your default settings."
            </p>
            <ConfirmInPlace id=0 asking label="Use my default settings"
                accessible_label=format!("Use my default settings in {name}")
                question=format!("Use your default settings in {name}? The changes you made for {name} are removed.")
                confirm_label="Use my default settings"
                pending=use_defaults.pending()
                on_confirm=Callback::new(move |()| { use_defaults.dispatch(UseDefaultNotificationSettings {}); })/>
        }
        .into_any()
    } else {
        view! {
            <p data-testid="settings-shown">
                "Showing " <strong>"your default settings"</strong>
                {format!(", used in {name} and every company without settings of its own.")}
            </p>
            <div class="form-actions">
                <button type="button" class="button secondary" disabled=move || customize.pending().get()
                    on:click=move |_| { customize.dispatch(CustomizeNotifications {}); }>
                    {format!("Customize for {name}")}
                </button>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="stack tight">
            {body}
            <p class="form-error" role="alert">{failed}</p>
        </div>
    }
    .into_any()
}

/// "Saved." or the reason a change was not saved; shared by every control of the tab.
#[derive(Clone, Copy)]
struct SaveStatus(RwSignal<Option<Result<(), String>>>);

#[component]
fn PreferencesForm(
    preferences: Preferences,
    customize: ServerAction<CustomizeNotifications>,
    use_defaults: ServerAction<UseDefaultNotificationSettings>,
) -> impl IntoView {
    let status = SaveStatus(RwSignal::new(None));
    let Preferences {
        scope,
        firm,
        matrix,
        filters,
        case_types,
        task_due_lead_minutes,
        quiet_hours,
        urgent_during_quiet_hours,
        email_digest,
    } = preferences;
    let lead = RwSignal::new(task_due_lead_minutes);
    let set_lead = ServerAction::<SetTaskDueLead>::new();
    Effect::new(move |_| match set_lead.value().get() {
        Some(Ok(minutes)) => {
            lead.set(minutes);
            status.0.set(Some(Ok(())));
        }
        Some(Err(err)) => status
            .0
            .set(Some(Err(err.message_for("task_due_lead").unwrap_or_else(|| err.to_string())))),
        None => {}
    });

    view! {
        <section class="card stack" aria-labelledby="notifications-heading">
            <h2 id="notifications-heading">"Notifications"</h2>
            <p class="muted">"Choose which events reach you and how."</p>
            <WhichSettings firm customize use_defaults/>
            <div class="table-wrap">
                <table class="matrix">
                    <caption class="visually-hidden">"Notification events and how each reaches you"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Event"</th>
                            {Method::ALL.into_iter().map(|m| view! {
                                <th scope="col" id=format!("method-{}", method_id(m))>{m.label()}</th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    {EventGroup::ALL.into_iter().map(|group| {
                        let rows: Vec<(Event, Delivery)> =
                            matrix.iter().copied().filter(|(event, _)| event.group() == group).collect();
                        view! {
                            <tbody>
                                <tr class="group-row">
                                    <th scope="rowgroup" colspan="4">{group.label()}</th>
                                </tr>
                                {rows.into_iter().map(|(event, delivery)| view! { <EventRow scope event delivery status/> }).collect_view()}
                            </tbody>
                        }
                    }).collect_view()}
                </table>
            </div>
            <div class="field">
                <label for="task-due-lead">"Notify me of a task due"</label>
                <select id="task-due-lead" prop:value=move || lead.get().to_string()
                    on:change=move |ev| {
                        if let Ok(minutes) = event_target_value(&ev).parse::<i32>() {
                            status.0.set(None);
                            set_lead.dispatch(SetTaskDueLead { minutes });
                        }
                    }>
                    {TASK_DUE_LEAD_TIMES.into_iter().map(|(minutes, words)| view! {
                        <option value=minutes.to_string() selected=minutes == task_due_lead_minutes>{words}</option>
                    }).collect_view()}
                </select>
                <p class="hint">"Counted in your timezone, for \u{201c}Task due\u{201d}."</p>
            </div>
            <p class="form-status" role="status">
                {move || matches!(status.0.get(), Some(Ok(()))).then_some("Saved.")}
            </p>
            <p class="form-error" role="alert">{move || status.0.get().and_then(Result::err)}</p>
        </section>
        <filters_section::FiltersSection scope filters case_types/>
        <test_section::TestSection/>
        <DeliveryTiming quiet_hours urgent_during_quiet_hours email_digest/>
        <push::PushDevicesSection/>
    }
    .into_any()
}

/// "20:00" for 1200 minutes after midnight.
fn clock(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Quiet hours and the email digest: when email and push may reach the person.
#[component]
fn DeliveryTiming(
    quiet_hours: Option<(i32, i32)>,
    urgent_during_quiet_hours: bool,
    email_digest: Digest,
) -> impl IntoView {
    let status = SaveStatus(RwSignal::new(None));
    let (initial_start, initial_end) = quiet_hours.unwrap_or((20 * 60, 7 * 60));
    let quiet_on = RwSignal::new(quiet_hours.is_some());
    let start = RwSignal::new(initial_start);
    let end = RwSignal::new(initial_end);
    let digest = RwSignal::new(email_digest);
    let save_quiet = ServerAction::<SetQuietHours>::new();
    let save_digest = ServerAction::<SetEmailDigest>::new();
    let urgent = RwSignal::new(urgent_during_quiet_hours);
    let save_urgent = ServerAction::<SetUrgentDuringQuietHours>::new();
    Effect::new(move |_| match save_urgent.value().get() {
        Some(Ok(saved)) => {
            urgent.set(saved);
            status.0.set(Some(Ok(())));
        }
        Some(Err(err)) => {
            urgent.set(!urgent.get_untracked());
            status.0.set(Some(Err(format!("Not saved: {err}"))));
        }
        None => {}
    });
    Effect::new(move |_| match save_quiet.value().get() {
        Some(Ok(_)) => status.0.set(Some(Ok(()))),
        Some(Err(err)) => status
            .0
            .set(Some(Err(err.message_for("quiet_hours").unwrap_or_else(|| err.to_string())))),
        None => {}
    });
    Effect::new(move |_| match save_digest.value().get() {
        Some(Ok(saved)) => {
            digest.set(saved);
            status.0.set(Some(Ok(())));
        }
        Some(Err(err)) => status.0.set(Some(Err(err.to_string()))),
        None => {}
    });
    let save = move || {
        status.0.set(None);
        save_quiet.dispatch(SetQuietHours {
            enabled: quiet_on.get_untracked(),
            start_minutes: start.get_untracked(),
            end_minutes: end.get_untracked(),
        });
    };
    let times = || (0..48).map(|i| i * 30).collect::<Vec<i32>>();
    view! {
        <section class="card stack" aria-labelledby="delivery-timing-heading">
            <h2 id="delivery-timing-heading">"Quiet hours and digest"</h2>
            <p class="muted">"In-app notifications always arrive at once. Email and push can wait for a better time."</p>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || quiet_on.get()
                    on:change=move |ev| { quiet_on.set(event_target_checked(&ev)); save(); }/>
                "Hold email and push during quiet hours"
            </label>
            <div class="inline-fields">
                <div class="field">
                    <label for="quiet-start">"From"</label>
                    <select id="quiet-start" disabled=move || !quiet_on.get() prop:value=move || start.get().to_string()
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() { start.set(m); save(); }
                        }>
                        {times().into_iter().map(|m| view! { <option value=m.to_string() selected=m == initial_start>{clock(m)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="quiet-end">"Until"</label>
                    <select id="quiet-end" disabled=move || !quiet_on.get() prop:value=move || end.get().to_string()
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() { end.set(m); save(); }
                        }>
                        {times().into_iter().map(|m| view! { <option value=m.to_string() selected=m == initial_end>{clock(m)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="hint">"In your timezone. What arrives during quiet hours is sent when they end, never dropped."</p>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || urgent.get()
                    on:change=move |ev| {
                        let enabled = event_target_checked(&ev);
                        urgent.set(enabled);
                        status.0.set(None);
                        save_urgent.dispatch(SetUrgentDuringQuietHours { enabled });
                    }/>
                "Let urgent alerts through during quiet hours"
            </label>
            <p class="hint">"An alert your firm wants seen (an unhappy client, a missed call) that nobody has opened."</p>
            <div class="field">
                <label for="email-digest">"Email digest"</label>
                <select id="email-digest" prop:value=move || digest.get().key()
                    on:change=move |ev| {
                        if let Some(chosen) = Digest::from_key(&event_target_value(&ev)) {
                            status.0.set(None);
                            save_digest.dispatch(SetEmailDigest { digest: chosen });
                        }
                    }>
                    {Digest::ALL.into_iter().map(|d| view! { <option value=d.key() selected=d == email_digest>{d.label()}</option> }).collect_view()}
                </select>
                <p class="hint">"With a digest, notification emails are gathered into one message per period, grouped by company and case."</p>
            </div>
            <p class="form-status" role="status">{move || matches!(status.0.get(), Some(Ok(()))).then_some("Saved.")}</p>
            <p class="form-error" role="alert">{move || status.0.get().and_then(Result::err)}</p>
        </section>
    }
    .into_any()
}

fn method_id(method: Method) -> &'static str {
    match method {
        Method::InApp => "in-app",
        Method::Email => "email",
        Method::Push => "push",
    }
}

#[component]
fn EventRow(
    scope: SettingsScope,
    event: Event,
    delivery: Delivery,
    status: SaveStatus,
) -> impl IntoView {
    let label_id = format!("event-{}", event.key());
    view! {
        <tr data-testid="preference-row">
            <th scope="row">
                <div class="event-cell">
                    <span id=label_id.clone() class="event-label">{event.label()}</span>
                    <span class="hint">{event.description()}</span>
                </div>
            </th>
            {Method::ALL.into_iter().map(|method| {
                let labelled_by = format!("{label_id} method-{}", method_id(method));
                view! { <td><PreferenceSwitch scope event method initial=delivery.get(method) labelled_by status/></td> }
            }).collect_view()}
        </tr>
    }
    .into_any()
}

/// One switch of the matrix, named by its row and column ("New message In-app").
#[component]
fn PreferenceSwitch(
    scope: SettingsScope,
    event: Event,
    method: Method,
    initial: bool,
    labelled_by: String,
    status: SaveStatus,
) -> impl IntoView {
    let on = RwSignal::new(initial);
    let save = ServerAction::<SetNotificationPreference>::new();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(delivery)) => {
            on.set(delivery.get(method));
            status.0.set(Some(Ok(())));
        }
        Some(Err(err)) => {
            // Not saved: show the stored state again, and say so.
            on.set(!on.get_untracked());
            status.0.set(Some(Err(format!("Not saved: {err}"))));
        }
        None => {}
    });
    view! {
        <input type="checkbox" role="switch" class="switch" aria-labelledby=labelled_by
            prop:checked=move || on.get()
            on:change=move |ev| {
                let enabled = event_target_checked(&ev);
                on.set(enabled);
                status.0.set(None);
                save.dispatch(SetNotificationPreference { scope, event, method, enabled });
            }/>
    }
    .into_any()
}
