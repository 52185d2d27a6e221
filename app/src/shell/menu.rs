use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::avatar::Avatar;
use crate::auth::api::{AccountSummary, SignOut};

/// The avatar in the top-right corner and its menu. A disclosure (button + panel): Enter
/// or Space opens it, Tab moves through the items, Escape closes it and returns focus.
#[component]
pub fn AvatarMenu(account: AccountSummary) -> impl IntoView {
    let open = RwSignal::new(false);
    let sign_out = ServerAction::<SignOut>::new();
    let container = NodeRef::<html::Div>::new();
    let toggle = NodeRef::<html::Button>::new();
    let first_item = NodeRef::<html::A>::new();

    let close = move |return_focus: bool| {
        open.set(false);
        if return_focus && let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    };
    let on_toggle = move |_| {
        let opening = !open.get_untracked();
        open.set(opening);
        if opening {
            request_animation_frame(move || {
                if let Some(item) = first_item.get_untracked() {
                    let _ = item.focus();
                }
            });
        }
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            close(true);
        }
    };
    // Focus leaving the menu (a click elsewhere, Tab past the end) closes it.
    let on_focusout = move |ev: ev::FocusEvent| {
        let still_inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(container.get_untracked())
            .is_some_and(|(target, menu)| menu.contains(Some(&target)));
        if !still_inside {
            open.set(false);
        }
    };

    let label = format!("Account menu for {}", account.full_name);
    let AccountSummary { full_name, email, initials, avatar_colour, avatar_url, .. } = account;
    view! {
        <div class="avatar-menu" node_ref=container on:keydown=on_keydown on:focusout=on_focusout>
            <button
                type="button"
                class="avatar-button"
                node_ref=toggle
                aria-haspopup="true"
                aria-controls="account-menu"
                aria-expanded=move || open.get().to_string()
                on:click=on_toggle
            >
                // The name is hidden text, not aria-label, so the visible initials never
                // contradict it for speech-input users.
                <span class="visually-hidden">{label}</span>
                <Avatar initials=initials colour=avatar_colour url=avatar_url class="avatar small"/>
            </button>
            <div id="account-menu" class="menu-panel" hidden=move || !open.get()>
                <div class="menu-identity">
                    <strong>{full_name}</strong>
                    <span class="muted">{email}</span>
                </div>
                <ul class="menu-items">
                    <li>
                        <a href="/settings/profile" node_ref=first_item on:click=move |_| open.set(false)>
                            "Profile Settings"
                        </a>
                    </li>
                    <li>
                        <button type="button" on:click=move |_| { sign_out.dispatch(SignOut {}); }
                            disabled=move || sign_out.pending().get()>
                            "Sign out"
                        </button>
                    </li>
                </ul>
            </div>
        </div>
    }
    .into_any()
}
