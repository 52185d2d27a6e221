//! The Profile form: full name, phone number, photo and timezone, with each error next to
//! its field.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement};

use super::api::{ProfileView, list_timezones, save_profile};
use super::rules;
use crate::ui::focus::focus_first_invalid;
use crate::ui::form_errors::{server_field_error, server_form_error};
use crate::ui::{AccountRefresh, Avatar};

/// Full name, phone number, timezone and photo, saved together with "Save".
#[component]
pub fn ProfileForm(current: RwSignal<ProfileView>) -> impl IntoView {
    let refresh = use_context::<AccountRefresh>();
    let initial = current.get_untracked();
    let full_name = RwSignal::new(initial.full_name.clone());
    let phone = RwSignal::new(initial.phone.clone().unwrap_or_default());
    let timezone = RwSignal::new(initial.timezone.clone());
    let remove_photo = RwSignal::new(false);
    let preview_url = RwSignal::new(None::<String>);
    let photo_choice_error = RwSignal::new(None::<String>);
    let client_errors = RwSignal::new(Vec::<(&'static str, String)>::new());
    let saved = RwSignal::new(false);
    let photo_input = NodeRef::<html::Input>::new();

    // The full timezone list (about 600 names) is fetched by the browser once the page
    // works: the server-rendered page offers only the person's own timezone, which keeps
    // every Profile page about 45 KB of HTML lighter. An effect, not a resource: effects
    // run only in the browser, and a resource read here would hold the server's
    // rendering of the whole form until it resolved.
    let timezones = RwSignal::new(None::<Result<Vec<String>, crate::error::AppError>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move { timezones.set(Some(list_timezones().await)) });
    });
    let save = Action::new_local(|data: &FormData| save_profile(data.clone().into()));
    let pending = save.pending();

    let clear_preview = move || {
        if let Some(url) = preview_url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        preview_url.set(None);
    };

    // A successful save shows the stored (canonical) values and refreshes the top bar.
    Effect::new(move |_| {
        if let Some(Ok(view)) = save.value().get() {
            full_name.set(view.full_name.clone());
            phone.set(view.phone.clone().unwrap_or_default());
            timezone.set(view.timezone.clone());
            current.set(view);
            remove_photo.set(false);
            clear_preview();
            if let Some(input) = photo_input.get_untracked() {
                input.set_value("");
            }
            saved.set(true);
            if let Some(refresh) = refresh {
                refresh.bump();
            }
        }
    });
    // After a failed save, move focus to the first field that needs attention.
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Err(_))) {
            focus_first_invalid();
        }
    });

    let error_for = move |field: &'static str| {
        move || {
            client_errors
                .with(|errors| errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
                .or_else(|| if field == "photo" { photo_choice_error.get() } else { None })
                .or_else(|| save.value().with(|v| server_field_error(v, field)))
        }
    };

    let on_photo_change = move |_: ev::Event| {
        clear_preview();
        photo_choice_error.set(None);
        saved.set(false);
        let Some(input) = photo_input.get_untracked() else { return };
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        match rules::photo_choice(file.size(), &file.type_()) {
            Ok(()) => {
                preview_url.set(web_sys::Url::create_object_url_with_blob(&file).ok());
                remove_photo.set(false);
            }
            Err(message) => {
                photo_choice_error.set(Some(message));
                input.set_value("");
            }
        }
    };

    let on_remove_photo = move |_| {
        clear_preview();
        photo_choice_error.set(None);
        if let Some(input) = photo_input.get_untracked() {
            input.set_value("");
        }
        remove_photo.update(|r| *r = !*r);
        saved.set(false);
    };

    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut errors = Vec::new();
        if let Err(m) = rules::full_name(&full_name.get_untracked()) {
            errors.push(("full_name", m));
        }
        if let Err(m) = rules::looks_like_phone(&phone.get_untracked()) {
            errors.push(("phone", m));
        }
        let has_errors = !errors.is_empty() || photo_choice_error.get_untracked().is_some();
        client_errors.set(errors);
        if has_errors {
            focus_first_invalid();
            return;
        }
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            save.dispatch_local(data);
        }
    };

    let has_photo = move || current.with(|c| c.avatar_url.is_some());
    let shown_url = Signal::derive(move || {
        preview_url.get().or_else(|| {
            if remove_photo.get() { None } else { current.with(|c| c.avatar_url.clone()) }
        })
    });
    let initials = Signal::derive(move || crate::ui::avatar::initials(&full_name.get()));
    let colour = Signal::derive(move || current.with(|c| c.avatar_colour.clone()));
    let form_message = move || {
        save.value().with(|v| match v {
            Some(Err(crate::error::AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };

    view! {
        <form class="card stack" on:submit=on_submit novalidate=true aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile"</h2>
            <p class="muted">"How you appear to your teammates and, in messages, to clients. The same in every company."</p>

            <fieldset class="photo-field">
                <legend>"Profile photo"</legend>
                <div class="photo-row">
                    <Avatar initials colour url=shown_url class="avatar large"/>
                    <div class="stack tight">
                        <input id="profile-photo" class="visually-hidden-file" type="file" name="photo"
                            accept="image/png,image/jpeg,image/webp" node_ref=photo_input on:change=on_photo_change
                            aria-describedby="profile-photo-hint profile-photo-error"
                            aria-invalid=move || error_for("photo")().is_some().to_string()/>
                        // After the input, so the input's keyboard focus can style it (CSS `+`).
                        <label for="profile-photo" class="button secondary file-button">"Choose photo"</label>
                        <input type="hidden" name="remove_photo" prop:value=move || remove_photo.get().to_string()/>
                        <Show when=move || has_photo() || preview_url.get().is_some()>
                            <button type="button" class="button link" on:click=on_remove_photo>
                                {move || if remove_photo.get() { "Keep photo" } else { "Remove photo" }}
                            </button>
                        </Show>
                        <p id="profile-photo-hint" class="hint">
                            {move || if preview_url.get().is_some() {
                                "Preview: your photo is saved when you select Save."
                            } else if remove_photo.get() {
                                "Your photo will be removed when you select Save."
                            } else {
                                "PNG, JPEG or WebP, up to 5 MB. It is cropped to a square."
                            }}
                        </p>
                        <p id="profile-photo-error" class="field-error">{error_for("photo")}</p>
                    </div>
                </div>
            </fieldset>

            <div class="field">
                <label for="profile-full-name">"Full name"</label>
                <input id="profile-full-name" name="full_name" type="text" autocomplete="name" maxlength="100" required
                    // The attribute too: the page arrives filled in, before its script runs.
                    value=full_name.get_untracked() bind:value=full_name
                    aria-describedby="profile-full-name-error"
                    aria-invalid=move || error_for("full_name")().is_some().to_string()/>
                <p id="profile-full-name-error" class="field-error">{error_for("full_name")}</p>
            </div>

            <div class="field">
                <label for="profile-phone">"Phone number"</label>
                <input id="profile-phone" name="phone" type="tel" autocomplete="tel"
                    value=phone.get_untracked() bind:value=phone
                    aria-describedby="profile-phone-hint profile-phone-error"
                    aria-invalid=move || error_for("phone")().is_some().to_string()/>
                <p id="profile-phone-hint" class="hint">"Optional. Include the country code, for example +1 415 555 0134."</p>
                <p id="profile-phone-error" class="field-error">{error_for("phone")}</p>
            </div>

            <div class="field">
                <label for="profile-timezone">"Timezone"</label>
                <select id="profile-timezone" name="timezone" prop:value=move || timezone.get()
                    on:change=move |ev| timezone.set(event_target_value(&ev))
                    aria-describedby="profile-timezone-hint profile-timezone-error"
                    aria-busy=move || timezones.get().is_none().to_string()
                    aria-invalid=move || error_for("timezone")().is_some().to_string()>
                    {move || {
                        let chosen = timezone.get_untracked();
                        let names = match timezones.get() {
                            Some(Ok(names)) if names.contains(&chosen) => names,
                            _ => vec![chosen.clone()],
                        };
                        names
                            .into_iter()
                            .map(|name| {
                                let selected = name == chosen;
                                view! { <option value=name.clone() selected=selected>{name.replace('_', " ")}</option> }
                            })
                            .collect_view()
                    }}
                </select>
                <p id="profile-timezone-hint" class="hint">
                    {move || match timezones.get() {
                        Some(Err(_)) => "The list of timezones could not be loaded. Reload the page to choose another.",
                        _ => "Dates and times in Kayse are shown in this timezone.",
                    }}
                </p>
                <p id="profile-timezone-error" class="field-error">{error_for("timezone")}</p>
            </div>

            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                <p class="form-status" role="status">{move || saved.get().then_some("Profile saved.")}</p>
                <p class="form-error" role="alert">{form_message}</p>
            </div>
        </form>
    }
    .into_any()
}
