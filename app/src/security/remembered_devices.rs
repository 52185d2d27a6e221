//! The "Remembered devices" card: browsers that skip the second step of signing in, each
//! with "Forget", and "Forget all". Each asks first, in place (`ConfirmInPlace`).

use leptos::prelude::*;

use super::api::{ForgetAllRememberedDevices, ForgetRememberedDevice, RememberedDevice};
use crate::ui::confirm::ConfirmInPlace;
use crate::ui::form_errors::server_form_error;

/// The `asking` value of "Forget all" (row ids start at 1).
const ALL: i32 = 0;

#[component]
pub fn RememberedDevicesSection(
    devices: Vec<RememberedDevice>,
    allowed: bool,
    on_changed: Callback<()>,
) -> impl IntoView {
    let forget_one = ServerAction::<ForgetRememberedDevice>::new();
    let forget_all = ServerAction::<ForgetAllRememberedDevices>::new();
    let asking = RwSignal::new(None::<i32>);
    let pending = Signal::derive(move || forget_one.pending().get() || forget_all.pending().get());
    let error = move || {
        forget_one
            .value()
            .with(server_form_error)
            .or_else(|| forget_all.value().with(server_form_error))
    };
    // A device forgotten: the card reloads with the list as it now is.
    Effect::new(move |_| {
        if matches!(forget_one.value().get(), Some(Ok(())))
            || matches!(forget_all.value().get(), Some(Ok(_)))
        {
            asking.set(None);
            on_changed.run(());
        }
    });
    let empty = devices.is_empty();
    view! {
        <section class="card stack" aria-labelledby="remembered-devices-heading">
            <h2 id="remembered-devices-heading">"Remembered devices"</h2>
            <p class="muted">
                {if allowed {
                    "Browsers where you ticked \"Remember this device for 30 days\": signing in there asks for your password only. A password change forgets them all."
                } else {
                    "Remembering devices is turned off on this server: every sign-in asks for a code."
                }}
            </p>
            {empty.then(|| view! { <p class="muted">"No remembered devices."</p> })}
            <ul class="session-list" data-testid="remembered-devices">
                {devices
                    .into_iter()
                    .map(|device| {
                        let id = device.id;
                        let name = device.device.clone();
                        view! {
                            <li class="session-row" data-testid="remembered-device">
                                <div class="session-details">
                                    <p class="session-title">
                                        <strong>{device.device}</strong>
                                        {device.this_browser.then(|| view! { <span class="badge">"This device"</span> })}
                                    </p>
                                    <p class="muted">{device.address}</p>
                                    <p class="muted">"Remembered on " {device.remembered_on} " · Last used " {device.last_used}</p>
                                </div>
                                <ConfirmInPlace id asking label="Forget" accessible_label=format!("Forget {name}")
                                    question=format!("Forget {name}? It will ask for a code at the next sign-in.")
                                    confirm_label="Yes, forget it" pending
                                    on_confirm=Callback::new(move |_| { forget_one.dispatch(ForgetRememberedDevice { id }); })/>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!empty).then(|| view! {
                <div class="form-actions" data-testid="forget-all">
                    <ConfirmInPlace id=ALL asking label="Forget all" accessible_label="Forget all remembered devices".to_owned()
                        question="Forget every remembered device? Each will ask for a code at the next sign-in.".to_owned()
                        confirm_label="Yes, forget all" pending
                        on_confirm=Callback::new(move |_| { forget_all.dispatch(ForgetAllRememberedDevices {}); })/>
                </div>
            })}
            <p class="form-error" role="alert">{error}</p>
        </section>
    }
    .into_any()
}
