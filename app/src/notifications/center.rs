//! The bell in the top bar: the unread count of the current company, and a panel of the
//! latest notifications, filtered by event and case type, 30 at a time ("Show more").
//! Opening one marks it read and goes to its case; "Mark as unread" puts one back; "Mark
//! all as read" clears the count. The live channel says when something changed, and the
//! bell reloads.

use crate::ui::focus::focus_left;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::api::{
    MarkAllNotificationsRead, MarkNotificationRead, MarkNotificationUnread, NotificationCenter,
    NotificationView, get_notification_center,
};
use super::events::Event;

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
    // every change; the button and panel stay in place while it reloads, so focus and the
    // open panel survive.
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
    let open = RwSignal::new(false);
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let container = NodeRef::<html::Div>::new();
    let toggle = NodeRef::<html::Button>::new();

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
    let close = move |return_focus: bool| {
        open.set(false);
        if return_focus && let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            close(true);
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
                aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
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
                    view! { <NotificationList items filtered mark_one mark_unread on_open=move || close(false)/> }
                }}
                <Show when=move || more.get()>
                    <button type="button" class="button secondary small show-more" disabled=move || show_more.pending().get()
                        on:click=move |_| { if let Some(before) = oldest() { show_more.dispatch(before); } }>
                        "Show more"
                    </button>
                </Show>
            </div>
        </div>
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
