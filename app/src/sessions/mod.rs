//! The Sessions tab: every device where the user is signed in, with "Sign out session" and
//! "Sign out all sessions", each confirmed in a dialog.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::html;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;

use crate::error::AppError;
use crate::ui::page_content;
use api::{EndOtherSessions, EndSession, SessionList, SessionView, list_sessions};

/// What the open confirmation dialog will end.
#[derive(Clone, Debug, PartialEq)]
enum Ending {
    One { id: i32, label: String },
    AllOthers { count: usize },
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = server_resource(
        move || (end_one.version().get(), end_others.version().get()),
        |_| list_sessions(),
    );
    view! {
        <Title text="Sessions · Profile Settings · Kayse"/>
        <Transition fallback=|| view! { <p class="muted">"Loading your sessions…"</p> }>
            {move || Suspend::new(async move {
                page_content(sessions.await, |list| view! { <SessionsList list end_one end_others/> }.into_any())
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SessionsList(
    list: SessionList,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let ending = RwSignal::new(None::<Ending>);
    let dialog = NodeRef::<html::Dialog>::new();
    let password = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    let others = list.sessions.iter().filter(|s| !s.current).count();
    let password_fresh = list.password_fresh;

    let open = move |what: Ending| {
        password.set(String::new());
        notice.set(None);
        ending.set(Some(what));
        if let Some(dialog) = dialog.get_untracked() {
            let _ = dialog.show_modal();
        }
    };
    let close = move || {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
        ending.set(None);
    };

    let last_error = move || match ending.get() {
        Some(Ending::One { .. }) => end_one.value().get().and_then(Result::err),
        Some(Ending::AllOthers { .. }) => end_others.value().get().and_then(Result::err),
        None => None,
    };
    let needs_password = move || {
        !password_fresh
            || matches!(last_error(), Some(AppError::ReauthRequired))
            || last_error().and_then(|e| e.message_for("password")).is_some()
    };
    let pending = move || end_one.pending().get() || end_others.pending().get();

    // A finished action closes the dialog and says what happened; the list reloads itself.
    Effect::new(move |_| {
        if let Some(Ok(())) = end_one.value().get() {
            close();
            notice.set(Some("The session was signed out.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(count)) = end_others.value().get() {
            close();
            notice.set(Some(match count {
                0 => "There were no other sessions to sign out.".to_owned(),
                1 => "Signed out 1 other session.".to_owned(),
                n => format!("Signed out {n} other sessions."),
            }));
        }
    });

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let password = Some(password.get_untracked()).filter(|p| !p.is_empty());
        match ending.get_untracked() {
            Some(Ending::One { id, .. }) => {
                end_one.dispatch(EndSession { id, password });
            }
            Some(Ending::AllOthers { .. }) => {
                end_others.dispatch(EndOtherSessions { password });
            }
            None => {}
        }
    };

    let dialog_title = move || match ending.get() {
        Some(Ending::One { .. }) => "Sign out this session?".to_owned(),
        Some(Ending::AllOthers { .. }) => "Sign out all other sessions?".to_owned(),
        None => String::new(),
    };
    let dialog_text = move || match ending.get() {
        Some(Ending::One { label, .. }) => {
            format!("{label} will be signed out at once and will need to sign in again.")
        }
        Some(Ending::AllOthers { count: 1 }) => {
            "1 other session will be signed out at once. This device stays signed in.".to_owned()
        }
        Some(Ending::AllOthers { count }) => format!(
            "{count} other sessions will be signed out at once. This device stays signed in."
        ),
        None => String::new(),
    };
    let confirm_label = move || match ending.get() {
        Some(Ending::AllOthers { .. }) => "Sign out all sessions",
        _ => "Sign out session",
    };

    view! {
        <section class="card stack" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p class="muted">"Every device where you are signed in. If you don't recognise one, sign it out and change your password."</p>
            <p class="form-status" role="status">{move || notice.get()}</p>
            <ul class="session-list">
                {list
                    .sessions
                    .into_iter()
                    .map(|session| view! { <SessionRow session on_end=move |what| open(what)/> })
                    .collect_view()}
            </ul>
            <div class="form-actions">
                <button type="button" class="button secondary" disabled=others == 0
                    on:click=move |_| open(Ending::AllOthers { count: others })>
                    "Sign out all sessions"
                </button>
                <span class="hint">
                    {if others == 0 { "This is your only session.".to_owned() } else { "Ends every session except this one.".to_owned() }}
                </span>
            </div>
        </section>

        <dialog node_ref=dialog class="dialog" aria-labelledby="end-session-title" on:close=move |_| ending.set(None)>
            <form class="stack" on:submit=confirm>
                <h2 id="end-session-title">{dialog_title}</h2>
                <p>{dialog_text}</p>
                <Show when=needs_password>
                    <div class="field">
                        <label for="end-session-password">"Your password"</label>
                        <input id="end-session-password" type="password" autocomplete="current-password" required
                            bind:value=password aria-describedby="end-session-password-hint end-session-error"/>
                        <p id="end-session-password-hint" class="hint">"For your security, confirm it's you."</p>
                    </div>
                </Show>
                <p id="end-session-error" class="form-error" role="alert">
                    {move || last_error().filter(|e| !matches!(e, AppError::ReauthRequired)).map(|e| e.message_for("password").unwrap_or_else(|| e.to_string()))}
                </p>
                <div class="form-actions">
                    <button type="submit" class="button danger" disabled=pending>{confirm_label}</button>
                    <button type="button" class="button secondary" on:click=move |_| close()>"Cancel"</button>
                </div>
            </form>
        </dialog>
    }
    .into_any()
}

#[component]
fn SessionRow(
    session: SessionView,
    on_end: impl Fn(Ending) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let label = format!("{} on {}", session.browser, session.os);
    let end_label = label.clone();
    let id = session.id;
    view! {
        <li class="session-row" data-testid="session-row">
            <div class="session-details">
                <p class="session-title">
                    <strong>{label.clone()}</strong>
                    {session.current.then(|| view! { <span class="badge">"This device"</span> })}
                </p>
                <p class="muted">{session.device} " · " {session.address}</p>
                <p class="muted">
                    "Signed in " {session.signed_in} " · Last active "
                    <span title=session.last_active_exact.clone()>{session.last_active}</span>
                </p>
                <p class="muted">"Working in " {session.company.unwrap_or_else(|| "no company".to_owned())}</p>
            </div>
            {(!session.current).then(|| view! {
                <button type="button" class="button secondary" aria-label=format!("Sign out session: {label}")
                    on:click=move |_| on_end(Ending::One { id, label: end_label.clone() })>
                    "Sign out session"
                </button>
            })}
        </li>
    }
    .into_any()
}
