//! The "Audit log" card of Company settings (Admins): the company's entries newest first,
//! filtered by person and kind, fifty at a time ("Newer" / "Older"), and "Export CSV" with
//! the same filter.

use leptos::prelude::*;

use crate::ui::resource::server_resource;

use super::api::{AuditEntryView, AuditFilter, list_audit_log};
use crate::ui::page_content;

#[component]
pub fn AuditLogSection() -> impl IntoView {
    let person = RwSignal::new(None::<i32>);
    let kind = RwSignal::new(None::<String>);
    // The cursors of the pages before this one; the last is this page's.
    let cursors = RwSignal::new(Vec::<i32>::new());
    let filter = move || AuditFilter { person: person.get(), kind: kind.get() };
    let page = server_resource(
        move || (filter(), cursors.get().last().copied()),
        |(filter, before)| list_audit_log(filter.person, filter.kind, before),
    );
    view! {
        <section class="card stack" aria-labelledby="audit-log-heading">
            <h2 id="audit-log-heading">"Audit log"</h2>
            <p class="muted">"Sign-ins, failed sign-ins, changes to how members sign in, and what Admins did in the company, with the device and address of each. Times are in your timezone."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    page_content(page.await, move |page| {
                        let older = page.older;
                        let empty = page.entries.is_empty();
                        view! {
                            <div class="filters">
                                <div class="field">
                                    <label for="audit-person">"Person"</label>
                                    <select id="audit-person" on:change=move |ev| {
                                        person.set(event_target_value(&ev).parse().ok());
                                        cursors.set(Vec::new());
                                    }>
                                        <option value="" selected=person.get_untracked().is_none()>"Everyone"</option>
                                        {page.people.into_iter().map(|p| {
                                            let chosen = person.get_untracked() == Some(p.id);
                                            view! { <option value=p.id.to_string() selected=chosen>{p.name}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="audit-kind">"Kind"</label>
                                    <select id="audit-kind" on:change=move |ev| {
                                        let value = event_target_value(&ev);
                                        kind.set((!value.is_empty()).then_some(value));
                                        cursors.set(Vec::new());
                                    }>
                                        <option value="" selected=kind.get_untracked().is_none()>"Everything"</option>
                                        {page.kinds.into_iter().map(|(name, label)| {
                                            let chosen = kind.get_untracked().as_deref() == Some(name.as_str());
                                            view! { <option value=name selected=chosen>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <a class="button secondary" href=move || filter().export_url() download="">"Export CSV"</a>
                            </div>
                            {empty.then(|| view! { <p class="muted">"No entries match."</p> })}
                            <ul class="activity-list" data-testid="audit-log">
                                {page.entries.into_iter().map(|entry| view! { <AuditEntry entry/> }).collect_view()}
                            </ul>
                            <div class="form-actions">
                                <button type="button" class="button secondary"
                                    disabled=move || cursors.with(Vec::is_empty)
                                    on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer"</button>
                                <button type="button" class="button secondary" disabled=older.is_none()
                                    on:click=move |_| if let Some(older) = older { cursors.update(|c| c.push(older)) }>"Older"</button>
                            </div>
                        }
                        .into_any()
                    })
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn AuditEntry(entry: AuditEntryView) -> impl IntoView {
    let about = entry.about.map(|about| format!(" → {about}"));
    let detail = (!entry.detail.is_empty()).then_some(entry.detail);
    view! {
        <li data-testid="audit-entry">
            <strong>{entry.what}</strong>
            <span>{entry.who} {about} {detail.map(|d| format!(" · {d}"))}</span>
            <span class="muted">{entry.device} " · " {entry.address}</span>
            <span class="muted">{entry.when}</span>
        </li>
    }
    .into_any()
}
