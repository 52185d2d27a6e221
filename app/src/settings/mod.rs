//! The Profile Settings area: one tab per section, each on its own URL so a reload or a
//! shared link lands on the same tab. Later sections add their tab here.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

#[component]
pub fn SettingsLayout() -> impl IntoView {
    view! {
        <div class="settings">
            <h1>"Profile Settings"</h1>
            <nav class="settings-tabs" aria-label="Profile Settings sections">
                <A href="/settings/profile">"Profile"</A>
                <A href="/settings/notifications">"Notifications"</A>
                <A href="/settings/security">"Security"</A>
                <A href="/settings/sessions">"Sessions"</A>
            </nav>
            <div class="settings-panel">
                <Outlet/>
            </div>
        </div>
    }
    .into_any()
}
