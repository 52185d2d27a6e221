//! The avatar menu in the top-right corner, with "Profile Settings", "Switch Company"
//! and "Sign out".

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::api::AccountSummary;
use super::company_switcher::company_switcher;
use crate::auth::api::SignOut;
use crate::ui::Avatar;
use crate::ui::focus::focus_left;

/// The avatar in the top-right corner and its menu. A disclosure (button + panel): Enter
/// or Space opens it, Tab moves through the items, Escape closes it and returns focus.
#[component]
pub fn AvatarMenu(account: AccountSummary) -> impl IntoView {
    let open = RwSignal::new(false);
    let show_companies = RwSignal::new(false);
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
            show_companies.set(false);
            close(true);
        }
    };
    // Focus leaving the menu (a click elsewhere, Tab past the end) closes it.
    let on_focusout = move |ev: ev::FocusEvent| {
        if focus_left(&ev, container) {
            open.set(false);
        }
    };

    let label = format!("Account menu for {}", account.full_name);
    let AccountSummary { full_name, email, initials, avatar_colour, avatar_url, companies, .. } =
        account;
    let companies = StoredValue::new(companies);
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
                        <button type="button" aria-expanded=move || show_companies.get().to_string()
                            aria-controls="company-switcher" on:click=move |_| show_companies.update(|s| *s = !*s)>
                            "Switch Company"
                        </button>
                        // Its code arrives the first time the list opens (see company_switcher.rs).
                        <Show when=move || show_companies.get()>
                            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading your companies…"</p> }>
                                {move || Suspend::new(async move { company_switcher(companies.get_value()).await })}
                            </Suspense>
                        </Show>
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
