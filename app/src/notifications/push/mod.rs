//! Web Push on the Notifications tab: "Enable push on this device" and the devices that
//! have it. The transport (keys, encryption, sending) is in `backend::push`.

pub mod api;
mod browser;
#[cfg(feature = "ssr")]
pub mod devices;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos::task::spawn_local;

use crate::ui::confirm::ConfirmInPlace;
use crate::ui::focus::focus_after_render;
use api::{
    PushDevice, PushSetup, get_push_setup, remove_push_device, save_push_subscription,
    send_test_push,
};

#[component]
pub fn PushDevicesSection() -> impl IntoView {
    let setup = server_resource(|| (), |_| get_push_setup());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading your push devices…"</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(setup) => view! { <PushDevices setup/> }.into_any(),
                    Err(err) => view! {
                        <section class="card stack" aria-labelledby="push-heading">
                            <h2 id="push-heading">"Push notifications"</h2>
                            <p class="form-error" role="alert">{err.to_string()}</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn PushDevices(setup: PushSetup) -> impl IntoView {
    let public_key = StoredValue::new(setup.public_key.clone());
    let devices = RwSignal::new(setup.devices);
    let busy = RwSignal::new(false);
    // What the last action said: a quiet success, or why it did not work.
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let confirming = RwSignal::new(None::<i32>);
    let this_device_on = move || devices.with(|list| list.iter().any(|d| d.this_device));

    let enable = move |_| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = match browser::subscribe(&public_key.get_value()).await {
                Ok(subscription) => match save_push_subscription(subscription).await {
                    Ok(saved) => {
                        devices.set(saved.devices);
                        // The button goes away with success: keep the keyboard in the card.
                        focus_after_render("push-heading");
                        Ok("Push is on for this device.".to_owned())
                    }
                    Err(err) => Err(err.to_string()),
                },
                Err(problem) => Err(problem.message()),
            };
            outcome.set(Some(result));
            busy.set(false);
        });
    };

    let remove = Callback::new(move |device: PushDevice| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = match remove_push_device(device.id).await {
                Ok(saved) => {
                    if device.this_device {
                        browser::unsubscribe().await;
                    }
                    devices.set(saved.devices);
                    confirming.set(None);
                    focus_after_render("push-heading");
                    Ok(format!("{} no longer gets push notifications.", device.name))
                }
                Err(err) => Err(err.to_string()),
            };
            outcome.set(Some(result));
            busy.set(false);
        });
    });

    let send_test = Callback::new(move |device: PushDevice| {
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = match send_test_push(device.id).await {
                Ok(test) => {
                    devices.set(test.setup.devices);
                    if test.delivered { Ok(test.message) } else { Err(test.message) }
                }
                Err(err) => Err(err.to_string()),
            };
            outcome.set(Some(result));
            busy.set(false);
        });
    });

    view! {
        <section class="card stack" aria-labelledby="push-heading" data-testid="push-devices">
            <h2 id="push-heading" tabindex="-1">"Push notifications"</h2>
            <p class="muted">
                "Push shows notifications on this device even when Kayse is closed. Choose which events use push in the Push column above; quiet hours hold them too."
            </p>
            <Show when=move || !this_device_on()
                fallback=|| view! { <p class="notice">"This device gets push notifications for the events you chose."</p> }>
                <div class="form-actions">
                    <button type="button" class="button primary" disabled=move || busy.get() on:click=enable>
                        {move || if busy.get() { "Turning push on…" } else { "Enable push on this device" }}
                    </button>
                </div>
            </Show>
            <p class="form-status" role="status">{move || outcome.get().and_then(Result::ok)}</p>
            <p class="form-error" role="alert" data-testid="push-error">{move || outcome.get().and_then(Result::err)}</p>
            <h3>"Devices with push"</h3>
            <Show when=move || devices.with(Vec::is_empty)>
                <p class="muted">"No devices yet."</p>
            </Show>
            <ul class="session-list" data-testid="push-device-list">
                {move || devices.get().into_iter().map(|device| view! { <PushDeviceRow device confirming busy remove send_test/> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn PushDeviceRow(
    device: PushDevice,
    confirming: RwSignal<Option<i32>>,
    busy: RwSignal<bool>,
    remove: Callback<PushDevice>,
    send_test: Callback<PushDevice>,
) -> impl IntoView {
    let id = device.id;
    let row = StoredValue::new(device.clone());
    view! {
        <li class="session-row" data-testid="push-device-row">
            <div class="session-details">
                <p class="session-title">
                    <strong>{device.name.clone()}</strong>
                    {device.this_device.then(|| view! { " " <span class="badge">"This device"</span> })}
                </p>
                <p class="muted">"Added " {device.added.clone()}</p>
            </div>
            <div class="form-actions">
                <Show when=move || confirming.get() != Some(id)>
                    <button type="button" class="button secondary" disabled=move || busy.get()
                        aria-label=format!("Send test to {}", row.with_value(|d| d.name.clone()))
                        on:click=move |_| send_test.run(row.get_value())>"Send test"</button>
                </Show>
                <ConfirmInPlace id asking=confirming label="Remove" accessible_label=format!("Remove {}", device.name)
                    question=format!("Stop push notifications on {}?", device.name) confirm_label="Remove device"
                    pending=busy on_confirm=Callback::new(move |()| remove.run(row.get_value()))/>
            </div>
        </li>
    }
    .into_any()
}
