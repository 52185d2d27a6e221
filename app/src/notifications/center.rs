//! The bell in the top bar: the unread count of the current company, and the panel of
//! notifications (`center_panel`), whose code is downloaded the first time it opens. The
//! live channel says when something changed, and the count reloads.

use crate::ui::focus::focus_left;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::api::unread_notification_count;
use super::center_panel::notification_panel;

/// Bumped whenever this person's notifications may have changed (a live event, a read).
#[derive(Clone, Copy)]
pub struct NotificationsChanged(pub RwSignal<u32>);

impl NotificationsChanged {
    pub fn bump(self) {
        self.0.update(|n| *n = n.wrapping_add(1));
    }

    /// The one the app layout provides (or a private one, outside it).
    pub fn from_context() -> Self {
        use_context::<NotificationsChanged>()
            .unwrap_or_else(|| NotificationsChanged(RwSignal::new(0)))
    }
}

#[component]
pub fn NotificationBell() -> impl IntoView {
    let changed = NotificationsChanged::from_context();
    // Fetched in the browser (the server renders the bell without a count), and again on
    // every change; the button stays in place while it reloads, so focus survives.
    let count = LocalResource::new(move || {
        changed.0.track();
        unread_notification_count()
    });
    let unread = RwSignal::new(0usize);
    Effect::new(move |_| {
        if let Some(Ok(latest)) = count.get() {
            unread.set(latest);
        }
    });
    let open = RwSignal::new(false);
    // The panel's code comes with its first opening, and it stays (hidden) after that, so
    // its filters and "Show more" pages survive closing it.
    let opened = RwSignal::new(false);
    let container = NodeRef::<html::Div>::new();
    let toggle = NodeRef::<html::Button>::new();
    let on_toggle = move |_| {
        opened.set(true);
        open.update(|o| *o = !*o);
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            open.set(false);
            if let Some(button) = toggle.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    let on_focusout = move |ev: ev::FocusEvent| {
        if focus_left(&ev, container) {
            open.set(false);
        }
    };

    view! {
        <div class="bell" node_ref=container on:keydown=on_keydown on:focusout=on_focusout>
            <button type="button" class="bell-button" node_ref=toggle aria-controls="notification-panel"
                aria-expanded=move || open.get().to_string() on:click=on_toggle>
                <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                    <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/>
                </svg>
                <span class="visually-hidden">"Notifications"</span>
                {move || (unread.get() > 0).then(|| view! {
                    <span class="bell-count" data-testid="notification-count">
                        {if unread.get() > 99 { "99+".to_owned() } else { unread.get().to_string() }}
                        <span class="visually-hidden">" unread"</span>
                    </span>
                })}
            </button>
            <div id="notification-panel" class="menu-panel notification-panel" hidden=move || !open.get()
                role="region" aria-label="Notifications">
                {move || opened.get().then(|| view! {
                    <Suspense fallback=|| view! { <p class="muted notification-empty">"Loading notifications…"</p> }>
                        {Suspend::new(async move { notification_panel(open, toggle).await })}
                    </Suspense>
                })}
            </div>
        </div>
    }
    .into_any()
}
