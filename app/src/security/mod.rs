//! The Security tab: the password, two-factor authentication with an authenticator app and
//! backup codes, passkeys, remembered devices, the recent security activity of the account, and
//! "Secure my account".

pub mod api;
#[cfg(feature = "ssr")]
pub mod backup_codes;
mod backup_codes_panel;
mod change_password;
#[cfg(feature = "ssr")]
pub mod lockdown;
#[cfg(feature = "ssr")]
pub mod passkeys;
mod passkeys_section;
#[cfg(feature = "ssr")]
pub mod password_policy;
mod remembered_devices;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod second_factor;
mod secure_account;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod totp;
mod two_factor;
mod wasnt_me_page;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;

use crate::ui::page_content;
use api::{CompanyPolicyNote, SecurityActivity, get_security_overview};
use change_password::ChangePasswordSection;
use passkeys_section::PasskeysSection;
use remembered_devices::RememberedDevicesSection;
use secure_account::SecureAccountSection;
use two_factor::{TwoFactorControls, TwoFactorSection};
pub use wasnt_me_page::WasntMePage;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    // The top bar too: turning 2FA on lifts a company's 2FA banner.
    let account = use_context::<crate::ui::AccountRefresh>();
    let on_changed = Callback::new(move |_| {
        reload.update(|n| *n += 1);
        if let Some(account) = account {
            account.bump();
        }
    });
    let overview = server_resource(move || reload.get(), |_| get_security_overview());
    // Created here, outside the part that re-renders when the overview reloads, so a flow
    // in progress (a QR code on screen, new backup codes) survives the reload.
    let controls = TwoFactorControls::new(on_changed);
    view! {
        <Title text="Security · Profile Settings · Kayse"/>
        <ChangePasswordSection on_changed/>
        <Transition fallback=|| view! { <p class="muted">"Loading your security settings…"</p> }>
            {move || Suspend::new(async move {
                page_content(overview.await, |overview| {
                    let activity = overview.activity.clone();
                    // Remembered devices skip the second step, so they exist only with 2FA on.
                    let devices = (overview.two_factor_since.is_some()
                        || !overview.remembered_devices.is_empty())
                    .then(|| (overview.remembered_devices.clone(), overview.remembering_allowed));
                    let passkeys = overview.passkeys.clone();
                    let passkeys_available = overview.passkeys_available;
                    let two_factor_on = overview.two_factor_since.is_some();
                    let policies = overview.company_policies.clone();
                    view! {
                        <TwoFactorSection overview controls/>
                        <PasskeysSection passkeys available=passkeys_available two_factor_on on_changed/>
                        {devices.map(|(devices, allowed)| view! {
                            <RememberedDevicesSection devices allowed on_changed/>
                        })}
                        {(!policies.is_empty()).then(|| view! { <CompanyPolicies policies/> })}
                        <ActivityList activity/>
                        <SecureAccountSection/>
                    }
                    .into_any()
                })
            })}
        </Transition>
    }
    .into_any()
}

/// What the person's companies ask of them: their account is theirs everywhere, these
/// rules come from the companies.
#[component]
fn CompanyPolicies(policies: Vec<CompanyPolicyNote>) -> impl IntoView {
    view! {
        <section class="card stack" aria-labelledby="company-policies-heading">
            <h2 id="company-policies-heading">"Your companies' policies"</h2>
            <p class="muted">"Your password, two-factor authentication and passkeys are yours in every company. Some of your companies add rules for the time you work in them:"</p>
            <ul class="activity-list" data-testid="company-policies">
                {policies.into_iter().map(|note| view! {
                    <li>
                        <strong>{note.company}</strong>
                        {note.rules.into_iter().map(|rule| view! { <span>{rule}</span> }).collect_view()}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn ActivityList(activity: Vec<SecurityActivity>) -> impl IntoView {
    let empty = activity.is_empty();
    view! {
        <section class="card stack" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent security activity"</h2>
            <p class="muted">"Sign-ins and changes to your account's security. If something here wasn't you, change your password."</p>
            {empty.then(|| view! { <p class="muted">"Nothing yet."</p> })}
            <ul class="activity-list" data-testid="security-activity">
                {activity
                    .into_iter()
                    .map(|entry| view! {
                        <li>
                            <strong>{entry.what}</strong>
                            {entry.detail.map(|detail| view! { <span>{detail}</span> })}
                            <span class="muted">{entry.device} " · " {entry.address}</span>
                            <span class="muted">{entry.when}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
