//! The avatar menu in the top-right corner, with "Profile Settings", "Switch Company"
//! and "Sign out".

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::api::{AccountSummary, CompanyChoice, SwitchCompany, company_unread_counts};
use crate::auth::api::SignOut;
use crate::notifications::NotificationsChanged;
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
                        <Show when=move || show_companies.get()>
                            <CompanySwitcher companies=companies.clone()/>
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

/// The companies list inside the avatar menu: the current one marked, a search box when
/// there are more than eight. Picking one switches the whole app at once (a full reload,
/// so no list of the previous company survives anywhere on the page).
#[component]
fn CompanySwitcher(companies: Vec<CompanyChoice>) -> impl IntoView {
    let switch = ServerAction::<SwitchCompany>::new();
    let filter = RwSignal::new(String::new());
    let changed = NotificationsChanged::from_context();
    // Loaded when the list opens, and again whenever a notification arrives.
    let unread = LocalResource::new(move || {
        changed.0.track();
        company_unread_counts()
    });
    let unread_in = move |id: i32| {
        unread
            .get()
            .and_then(Result::ok)
            .and_then(|counts| counts.iter().find(|(c, _)| *c == id).map(|(_, n)| *n))
            .unwrap_or(0)
    };
    let searchable = companies.len() > 8;
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            let _ = window().location().set_href("/");
        }
    });
    let error = move || switch.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <div id="company-switcher" class="company-switcher">
            {searchable.then(|| view! {
                <label for="company-filter" class="visually-hidden">"Search companies"</label>
                <input id="company-filter" type="search" placeholder="Search companies" bind:value=filter/>
            })}
            <ul class="company-list" aria-label="Your companies">
                {companies.into_iter().map(|company| {
                    let name = company.name.clone();
                    let visible = {
                        let name = name.to_lowercase();
                        move || name.contains(&filter.get().trim().to_lowercase())
                    };
                    view! {
                        <li hidden=move || !visible()>
                            {if company.current {
                                view! {
                                    <span class="company-current" aria-current="true">{name.clone()} <span class="badge">"Current"</span></span>
                                }.into_any()
                            } else {
                                let id = company.id;
                                view! {
                                    <button type="button" disabled=move || switch.pending().get()
                                        on:click=move |_| { switch.dispatch(SwitchCompany { company_id: id }); }>
                                        {name.clone()}
                                        {move || (unread_in(id) > 0).then(|| view! {
                                            <span class="badge count" data-testid="company-unread">
                                                {unread_in(id)}<span class="visually-hidden">" unread"</span>
                                            </span>
                                        })}
                                    </button>
                                }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="form-error" role="alert">{error}</p>
        </div>
    }
    .into_any()
}
