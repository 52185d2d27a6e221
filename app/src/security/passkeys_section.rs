//! The "Passkeys" card: the list (name, added, last used) with "Rename" and "Remove", and
//! "Add a passkey": the password, then the browser's prompt, then a name.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::api::{
    PasskeyView, begin_passkey_registration, finish_passkey_registration, remove_passkey,
    rename_passkey,
};
use super::rules::MAX_PASSKEY_NAME_CHARS;
use crate::error::AppError;
use crate::ui::passkeys::create_passkey;

/// Where "Add a passkey" is.
#[derive(Clone, Debug, PartialEq)]
enum Adding {
    Idle,
    /// Asking for the password.
    Password,
    /// The browser's prompt is open.
    Prompting,
    /// Made: asking for its name before it is saved.
    Naming {
        ceremony: String,
        credential: String,
    },
}

/// A row's open form.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RowAction {
    Rename(i32),
    Remove(i32),
}

fn message(err: &AppError, field: &str) -> String {
    err.message_for(field).unwrap_or_else(|| err.to_string())
}

#[component]
pub fn PasskeysSection(
    passkeys: Vec<PasskeyView>,
    available: bool,
    two_factor_on: bool,
    on_changed: Callback<()>,
) -> impl IntoView {
    let adding = RwSignal::new(Adding::Idle);
    let password = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let row_action = RwSignal::new(None::<RowAction>);
    let row_text = RwSignal::new(String::new());
    let row_error = RwSignal::new(None::<String>);

    let start = move || {
        password.set(String::new());
        error.set(None);
        adding.set(Adding::Password);
        crate::ui::focus::focus_after_render("passkey-password");
    };
    let cancel = move || {
        error.set(None);
        adding.set(Adding::Idle);
    };
    // The password, then the browser's prompt; a refusal leaves the password form open.
    let continue_with_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match begin_passkey_registration(password.get_untracked()).await {
                Err(err) => error.set(Some(message(&err, "password"))),
                Ok(begun) => {
                    adding.set(Adding::Prompting);
                    match create_passkey(&begun.challenge.options).await {
                        Ok(credential) => {
                            name.set(begun.suggested_name);
                            adding.set(Adding::Naming {
                                ceremony: begun.challenge.ceremony,
                                credential,
                            });
                            crate::ui::focus::focus_after_render("passkey-name");
                        }
                        Err(problem) => {
                            error.set(Some(problem));
                            adding.set(Adding::Idle);
                        }
                    }
                }
            }
            busy.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Adding::Naming { ceremony, credential } = adding.get_untracked() else { return };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match finish_passkey_registration(ceremony, credential, name.get_untracked()).await {
                Ok(_) => {
                    adding.set(Adding::Idle);
                    on_changed.run(());
                }
                Err(err) => error.set(Some(message(&err, "name"))),
            }
            busy.set(false);
        });
    };
    let open_row = move |action: RowAction, text: String| {
        row_text.set(text);
        row_error.set(None);
        row_action.set(Some(action));
    };
    let submit_row = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(action) = row_action.get_untracked() else { return };
        busy.set(true);
        row_error.set(None);
        let text = row_text.get_untracked();
        spawn_local(async move {
            let result = match action {
                RowAction::Rename(id) => {
                    rename_passkey(id, text).await.map_err(|e| message(&e, "name"))
                }
                RowAction::Remove(id) => {
                    remove_passkey(id, Some(text)).await.map_err(|e| message(&e, "password"))
                }
            };
            match result {
                Ok(()) => {
                    row_action.set(None);
                    on_changed.run(());
                }
                Err(problem) => row_error.set(Some(problem)),
            }
            busy.set(false);
        });
    };

    let empty = passkeys.is_empty();
    let explained = if !available {
        "Passkeys are not available on this server: it must be reached by a domain name, not an IP address."
    } else if two_factor_on {
        "Sign in with your fingerprint, face or screen lock instead of a password (\"Sign in with a passkey\"). At the second step of a password sign-in, \"Use a passkey\" works instead of a code."
    } else if empty {
        "Sign in with your fingerprint, face or screen lock instead of a password (\"Sign in with a passkey\")."
    } else {
        "Your passkeys sign you in on their own (\"Sign in with a passkey\"). Two-factor authentication is off, so signing in with your password asks for nothing more; turn it on to be asked for a code or a passkey after the password."
    };

    view! {
        <section class="card stack" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            <p class="muted" data-testid="passkeys-explained">{explained}</p>
            {empty.then(|| view! { <p class="muted">"No passkeys yet."</p> })}
            <ul class="session-list" data-testid="passkeys">
                {passkeys
                    .into_iter()
                    .map(|passkey| {
                        let id = passkey.id;
                        let label = StoredValue::new(passkey.name.clone());
                        let rename_text = passkey.name.clone();
                        let this_row = move |action: fn(i32) -> RowAction| row_action.get() == Some(action(id));
                        view! {
                            <li class="session-row" data-testid="passkey">
                                <div class="session-details">
                                    <p class="session-title"><strong>{passkey.name}</strong></p>
                                    <p class="muted">
                                        "Added " {passkey.added} " · "
                                        {passkey.last_used.map_or_else(|| "Never used".to_owned(), |at| format!("Last used {at}"))}
                                    </p>
                                    <Show when=move || this_row(RowAction::Rename) || this_row(RowAction::Remove)>
                                        <form class="stack tight" on:submit=submit_row>
                                            {move || if this_row(RowAction::Rename) {
                                                view! {
                                                    <div class="field">
                                                        <label for=format!("passkey-rename-{id}")>"New name"</label>
                                                        <input id=format!("passkey-rename-{id}") type="text" required
                                                            maxlength=MAX_PASSKEY_NAME_CHARS bind:value=row_text
                                                            aria-describedby=format!("passkey-row-error-{id}")/>
                                                    </div>
                                                }.into_any()
                                            } else {
                                                view! {
                                                    <p>{format!("Remove the passkey \u{201c}{}\u{201d}? It will no longer sign you in.", label.get_value())}</p>
                                                    <div class="field">
                                                        <label for=format!("passkey-remove-password-{id}")>"Your password"</label>
                                                        <input id=format!("passkey-remove-password-{id}") type="password" required
                                                            autocomplete="current-password" bind:value=row_text
                                                            aria-describedby=format!("passkey-row-error-{id}")/>
                                                    </div>
                                                }.into_any()
                                            }}
                                            <p id=format!("passkey-row-error-{id}") class="form-error" role="alert">{move || row_error.get()}</p>
                                            <div class="form-actions">
                                                <button type="submit" class=move || if this_row(RowAction::Remove) { "button danger" } else { "button primary" }
                                                    disabled=move || busy.get()>
                                                    {move || if this_row(RowAction::Remove) { "Remove passkey" } else { "Save" }}
                                                </button>
                                                <button type="button" class="button secondary" on:click=move |_| row_action.set(None)>"Cancel"</button>
                                            </div>
                                        </form>
                                    </Show>
                                </div>
                                <Show when=move || row_action.get().is_none()>
                                    <div class="form-actions">
                                        <button type="button" class="button secondary" aria-label=format!("Rename {}", rename_text)
                                            on:click={
                                                let current = rename_text.clone();
                                                move |_| open_row(RowAction::Rename(id), current.clone())
                                            }>"Rename"</button>
                                        <button type="button" class="button secondary" aria-label=format!("Remove {}", rename_text)
                                            on:click=move |_| open_row(RowAction::Remove(id), String::new())>"Remove"</button>
                                    </div>
                                </Show>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {available.then(|| view! {
                {move || match adding.get() {
                    Adding::Idle => view! {
                        <div class="form-actions">
                            <button type="button" class="button secondary" on:click=move |_| start()>"Add a passkey"</button>
                        </div>
                    }.into_any(),
                    Adding::Password | Adding::Prompting => view! {
                        <form class="stack tight" on:submit=continue_with_password>
                            <div class="field">
                                <label for="passkey-password">"Your password"</label>
                                <input id="passkey-password" type="password" required autocomplete="current-password"
                                    bind:value=password aria-describedby="passkey-password-hint passkey-error"/>
                                <p id="passkey-password-hint" class="hint">"For your security, confirm it's you. Then your browser asks for your fingerprint, face or screen lock."</p>
                            </div>
                            <div class="form-actions">
                                <button type="submit" class="button primary" disabled=move || busy.get()>
                                    {move || if adding.get() == Adding::Prompting { "Waiting for your browser…" } else { "Continue" }}
                                </button>
                                <button type="button" class="button secondary" on:click=move |_| cancel()>"Cancel"</button>
                            </div>
                        </form>
                    }.into_any(),
                    Adding::Naming { .. } => view! {
                        <form class="stack tight" on:submit=save>
                            <div class="field">
                                <label for="passkey-name">"Name this passkey"</label>
                                <input id="passkey-name" type="text" required maxlength=MAX_PASSKEY_NAME_CHARS
                                    bind:value=name aria-describedby="passkey-name-hint passkey-error"/>
                                <p id="passkey-name-hint" class="hint">"So you can tell it apart, for example \u{201c}MacBook Touch ID\u{201d}."</p>
                            </div>
                            <div class="form-actions">
                                <button type="submit" class="button primary" disabled=move || busy.get()>"Save passkey"</button>
                                <button type="button" class="button secondary" on:click=move |_| cancel()>"Cancel"</button>
                            </div>
                        </form>
                    }.into_any(),
                }}
            })}
            <p id="passkey-error" class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
    .into_any()
}
