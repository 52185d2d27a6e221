//! "Switch Company" in the avatar menu: the person's companies, the current one marked,
//! each with its unread notifications, and a search box when there are more than eight.
//!
//! Its code is downloaded the first time the list opens (with `lazy-routes`, like the
//! bell's panel and the pages in `routes.rs`): every signed-in page has the menu, and few
//! visits switch company.

use leptos::prelude::*;

use super::api::{CompanyChoice, SwitchCompany, company_unread_counts};
use crate::notifications::NotificationsChanged;

/// The list, for the avatar menu.
#[cfg(feature = "lazy-routes")]
#[leptos::lazy]
pub fn company_switcher(companies: Vec<CompanyChoice>) -> AnyView {
    view! { <CompanySwitcher companies/> }.into_any()
}

/// The list (without `lazy-routes`, part of the main download).
#[cfg(not(feature = "lazy-routes"))]
pub async fn company_switcher(companies: Vec<CompanyChoice>) -> AnyView {
    view! { <CompanySwitcher companies/> }.into_any()
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
