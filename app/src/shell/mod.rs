//! The app shell: the frame every signed-in page sits in (the top bar with the company
//! name, the bell and the avatar menu with "Switch Company", and the live channel).

pub mod api;
#[cfg(feature = "ssr")]
pub mod head;
mod idle;
mod live;
mod menu;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_router::components::{A, Outlet, Redirect};

use crate::error::AppError;
use crate::notifications::{NotificationBell, NotificationsChanged};
use crate::ui::{AccountRefresh, EndingOwnSession};
use api::{AccountSummary, DismissSignInNotice, TwoFactorNotice, current_account};
use idle::IdleWarning;
use live::LiveChannel;
use menu::AvatarMenu;

#[component]
pub fn AppLayout() -> impl IntoView {
    let refresh = AccountRefresh(RwSignal::new(0));
    provide_context(refresh);
    provide_context(NotificationsChanged(RwSignal::new(0)));
    provide_context(EndingOwnSession(RwSignal::new(false)));
    let account = server_resource(move || refresh.0.get(), |_| current_account());

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="top-bar">
            <a class="brand" href="/">"Kayse"</a>
            <nav class="main-nav" aria-label="Main">
                <A href="/" exact=true>"Cases"</A>
                <A href="/tasks">"My tasks"</A>
            </nav>
            <Transition fallback=|| view! { <span class="company-name muted">"Loading…"</span> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(account) => view! { <TopBarAccount account/> }.into_any(),
                        // The session ended (signed out elsewhere, expired): back to sign-in.
                        Err(AppError::Unauthorized) => view! { <Redirect path="/sign-in"/> }.into_any(),
                        Err(err) => view! { <span class="form-error" role="alert">{err.to_string()}</span> }.into_any(),
                    }
                })}
            </Transition>
        </header>
        <LiveChannel/>
        <main id="main" class="page">
            <Outlet/>
        </main>
    }
    .into_any()
}

#[component]
fn TopBarAccount(account: AccountSummary) -> impl IntoView {
    let company = account.company_name.clone().unwrap_or_else(|| "No company".to_owned());
    let is_admin = account.is_admin;
    view! {
        <span class="company-name" data-testid="company-name">{company}</span>
        // Rendered here, under the one boundary that awaits the account: reading a resource
        // under two Suspense boundaries can stall server rendering (leptos issue #4851).
        {is_admin.then(|| view! {
            <nav class="main-nav admin-nav" aria-label="Company">
                <A href="/company">"Company settings"</A>
            </nav>
        })}
        <NotificationBell/>
        <AvatarMenu account=account.clone()/>
        {account.sign_in_notice.map(|notice| view! { <SignInNotice notice/> })}
        {account.two_factor_notice.map(|notice| view! { <TwoFactorBanner notice/> })}
        <IdleWarning idle_timeout_seconds=account.idle_timeout_seconds/>
    }
    .into_any()
}

/// The current company requires 2FA and this person has none: during the grace period, a
/// banner with the days left; after it, the company's pages are closed, so any of them
/// leads to the Security tab (the server refuses their data in any case).
#[component]
fn TwoFactorBanner(notice: TwoFactorNotice) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let gated = notice.days_left.is_none();
    let text = match notice.days_left {
        Some(1) => format!(
            "{} requires two-factor authentication: 1 day left to set it up.",
            notice.company
        ),
        Some(days) => format!(
            "{} requires two-factor authentication: {days} days left to set it up.",
            notice.company
        ),
        None => format!(
            "{} requires two-factor authentication. Set it up to keep working in {}; your other companies are not affected.",
            notice.company, notice.company
        ),
    };
    let on_security = move || location.pathname.with(|p| p.starts_with("/settings/security"));
    let away_from_settings =
        move || gated && location.pathname.with(|p| !p.starts_with("/settings"));
    // A full load of the Security tab, not a router navigation: one started while the
    // page hydrates can leave the old page on screen under the new address.
    Effect::new(move |_| {
        if away_from_settings() {
            let _ = window().location().replace("/settings/security");
        }
    });
    view! {
        <div class="sign-in-notice notice warning" role="status" data-testid="two-factor-banner">
            <p>
                {text} " "
                {move || (!on_security()).then(|| view! { <a href="/settings/security#two-factor-heading">"Set up two-factor authentication"</a> })}
            </p>
        </div>
    }
    .into_any()
}

/// Failed sign-in attempts since the previous sign-in, said once: under the top bar until
/// dismissed, with the way to the full list.
#[component]
fn SignInNotice(notice: String) -> impl IntoView {
    let dismiss = ServerAction::<DismissSignInNotice>::new();
    let refresh = expect_context::<AccountRefresh>();
    Effect::new(move |_| {
        if let Some(Ok(())) = dismiss.value().get() {
            refresh.0.update(|n| *n += 1);
        }
    });
    view! {
        <div class="sign-in-notice notice warning" role="status" data-testid="sign-in-notice">
            <p>
                {notice} " "
                <a href="/settings/security#activity-heading">"Review recent security activity"</a>
            </p>
            <button type="button" class="button secondary" disabled=move || dismiss.pending().get()
                on:click=move |_| { dismiss.dispatch(DismissSignInNotice {}); }>
                "Dismiss"
            </button>
        </div>
    }
}
