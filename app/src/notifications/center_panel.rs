//! The bell's panel: the latest notifications of the current company, filtered by event
//! and case type, 30 at a time ("Show more"). Opening one marks it read and goes to its
//! case; "Mark as unread" puts one back; "Mark all as read" clears the count.
//!
//! Its code is downloaded the first time the bell opens (with `lazy-routes`, like the
//! pages in `routes.rs`): every signed-in page shows the bell, few visits open it, and the
//! panel with its list, filters and answers is about 45 KB of wasm.

use leptos::html;
use leptos::prelude::*;

use super::api::{
    MarkAllNotificationsRead, MarkNotificationRead, MarkNotificationUnread, NotificationCenter,
    NotificationView, get_notification_center,
};
use super::center::NotificationsChanged;
use super::events::Event;

/// The panel's content, for the bell: `open` closes it when a notification is opened, and
/// focus returns to `toggle` when "Mark all as read" goes away.
#[cfg(feature = "lazy-routes")]
#[leptos::lazy]
pub fn notification_panel(open: RwSignal<bool>, toggle: NodeRef<html::Button>) -> AnyView {
    view! { <NotificationPanel open toggle/> }.into_any()
}

/// The panel's content (without `lazy-routes`, part of the main download).
#[cfg(not(feature = "lazy-routes"))]
pub async fn notification_panel(open: RwSignal<bool>, toggle: NodeRef<html::Button>) -> AnyView {
    view! { <NotificationPanel open toggle/> }.into_any()
}

#[component]
fn NotificationPanel(open: RwSignal<bool>, toggle: NodeRef<html::Button>) -> impl IntoView {
    let changed = NotificationsChanged::from_context();
    // Loaded again on every change; the panel stays in place while it reloads, so focus
    // and the filters survive.
    let event_filter = RwSignal::new(None::<Event>);
    let type_filter = RwSignal::new(None::<String>);
    let center = LocalResource::new(move || {
        changed.0.track();
        get_notification_center(event_filter.get(), type_filter.get(), None)
    });
    let loaded = RwSignal::new(NotificationCenter::default());
    // The pages "Show more" added after the first, and whether there are more still.
    let older = RwSignal::new(Vec::<NotificationView>::new());
    let more = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(latest)) = center.get() {
            more.set(latest.more);
            older.set(Vec::new());
            loaded.set(latest);
        }
    });
    let show_more = Action::new_local(move |before: &i32| {
        get_notification_center(
            event_filter.get_untracked(),
            type_filter.get_untracked(),
            Some(*before),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = show_more.value().get() {
            more.set(page.more);
            older.update(|items| items.extend(page.items));
        }
    });
    let oldest = move || {
        older
            .with(|o| o.last().map(|n| n.id))
            .or_else(|| loaded.with(|c| c.items.last().map(|n| n.id)))
    };
    let mark_unread = ServerAction::<MarkNotificationUnread>::new();
    Effect::new(move |_| {
        if mark_unread.version().get() > 0 {
            changed.bump();
        }
    });
    let unread = Memo::new(move |_| loaded.with(|c| c.unread));
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();

    Effect::new(move |_| {
        if mark_one.version().get() > 0 {
            changed.bump();
        }
    });
    Effect::new(move |_| {
        if mark_all.version().get() > 0 {
            changed.bump();
            // The button just used goes away with the unread ones: keep focus in the bell.
            if let Some(button) = toggle.get_untracked() {
                let _ = button.focus();
            }
        }
    });
    let close = move || open.set(false);

    view! {
        <>
        <div class="notification-panel-header">
            <h2>"Notifications"</h2>
            <Show when=move || { unread.get() > 0 }>
                <button type="button" class="button link" disabled=move || mark_all.pending().get()
                    on:click=move |_| { mark_all.dispatch(MarkAllNotificationsRead {}); }>
                    "Mark all as read"
                </button>
            </Show>
        </div>
        <div class="notification-filters">
            <label class="visually-hidden" for="bell-event">"Show notifications of"</label>
            <select id="bell-event" on:change=move |ev| event_filter.set(Event::from_key(&event_target_value(&ev)))>
                <option value="">"All events"</option>
                {Event::ALL.into_iter().map(|e| view! { <option value=e.key()>{e.label()}</option> }).collect_view()}
            </select>
            <label class="visually-hidden" for="bell-case-type">"On cases of type"</label>
            <select id="bell-case-type" on:change=move |ev| {
                let chosen = event_target_value(&ev);
                type_filter.set((!chosen.is_empty()).then_some(chosen));
            }>
                <option value="">"All case types"</option>
                {move || loaded.with(|c| c.case_types.clone()).into_iter().map(|t| {
                    let selected = type_filter.with(|f| f.as_deref() == Some(t.as_str()));
                    view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
        {move || {
            let items: Vec<NotificationView> =
                loaded.with(|c| c.items.clone()).into_iter().chain(older.get()).collect();
            let filtered = event_filter.with(Option::is_some) || type_filter.with(Option::is_some);
            view! { <NotificationList items filtered mark_one mark_unread on_open=close/> }
        }}
        <Show when=move || more.get()>
            <button type="button" class="button secondary small show-more" disabled=move || show_more.pending().get()
                on:click=move |_| { if let Some(before) = oldest() { show_more.dispatch(before); } }>
                "Show more"
            </button>
        </Show>
        </>
    }
    .into_any()
}

#[component]
fn NotificationList(
    items: Vec<NotificationView>,
    filtered: bool,
    mark_one: ServerAction<MarkNotificationRead>,
    mark_unread: ServerAction<MarkNotificationUnread>,
    on_open: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if items.is_empty() {
        let empty = if filtered {
            "No notifications match these filters."
        } else {
            "No notifications yet. They appear here as things happen on your cases."
        };
        return view! { <p class="muted notification-empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="notification-list" data-testid="notification-list">
            {items.into_iter().map(|item| {
                let id = item.id;
                let unread_label = format!("Mark as unread: {}", item.title);
                view! {
                    <li class:unread=!item.read>
                        <a href=format!("/cases/{}", item.case_id) on:click=move |_| {
                            if !item.read {
                                mark_one.dispatch(MarkNotificationRead { id });
                            }
                            on_open();
                        }>
                            <span class="notification-event">{item.event}{(!item.read).then(|| view! { <span class="visually-hidden">" (unread)"</span> })}</span>
                            <strong>{item.title}</strong>
                            <span class="notification-body">{item.body}</span>
                            <span class="muted" title=item.when_exact>{item.when}</span>
                        </a>
                        {item.read.then(|| view! {
                            <button type="button" class="button link small" aria-label=unread_label
                                on:click=move |_| { mark_unread.dispatch(MarkNotificationUnread { id }); }>
                                "Mark as unread"
                            </button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
