//! The "Filters" card: which case events reach the person at all. Every change saves the
//! whole set at once; a refused save puts the controls back as stored and says why.

use leptos::prelude::*;

use super::api::{SetNotificationFilters, SettingsScope};
use super::filters::{Filters, Messenger};

#[component]
pub fn FiltersSection(
    scope: SettingsScope,
    filters: Filters,
    case_types: Vec<String>,
) -> impl IntoView {
    // What is stored, and what the controls show.
    let saved = RwSignal::new(filters.clone());
    let shown = RwSignal::new(filters);
    let save = ServerAction::<SetNotificationFilters>::new();
    let status = RwSignal::new(None::<Result<(), String>>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(stored)) => {
            saved.set(stored.clone());
            shown.set(stored);
            status.set(Some(Ok(())));
        }
        Some(Err(err)) => {
            shown.set(saved.get_untracked());
            let reason = err.message_for("case_types").unwrap_or_else(|| err.to_string());
            status.set(Some(Err(format!("Not saved: {reason}"))));
        }
        None => {}
    });
    let change = move |edit: &dyn Fn(&mut Filters)| {
        let mut next = shown.get_untracked();
        edit(&mut next);
        shown.set(next.clone());
        status.set(None);
        save.dispatch(SetNotificationFilters { scope, filters: next });
    };
    let some_types = move || !shown.with(|f| f.case_types.is_empty());
    // Picking "Only these" chooses the first type, so the choice means something at once.
    let first_type = StoredValue::new(case_types.first().cloned());
    let no_types = case_types.is_empty();
    let type_boxes = case_types
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let id = format!("case-type-{index}");
            let stored_name = StoredValue::new(name.clone());
            view! {
                <label class="checkbox">
                    <input type="checkbox" id=id name="case_types" value=name.clone()
                        disabled=move || !some_types()
                        prop:checked=move || shown.with(|f| f.case_types.iter().any(|t| *t == stored_name.get_value()))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let name = stored_name.get_value();
                            change(&|f: &mut Filters| {
                                f.case_types.retain(|t| *t != name);
                                if on {
                                    f.case_types.push(name.clone());
                                }
                            });
                        }/>
                    {name}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card stack" aria-labelledby="filters-heading">
            <h2 id="filters-heading">"Filters"</h2>
            <p class="muted">"Which events on your firm's cases reach you at all. The table above says how."</p>
            <fieldset class="stack tight">
                <legend>"Case types"</legend>
                <label class="checkbox">
                    <input type="radio" name="case-type-choice" prop:checked=move || !some_types()
                        on:change=move |_| change(&|f: &mut Filters| f.case_types.clear())/>
                    "All case types"
                </label>
                <label class="checkbox">
                    <input type="radio" name="case-type-choice" prop:checked=some_types disabled=no_types
                        on:change=move |_| {
                            let first = first_type.get_value();
                            if let Some(first) = first {
                                change(&|f: &mut Filters| f.case_types = vec![first.clone()]);
                            }
                        }/>
                    "Only these case types:"
                </label>
                <div class="choice-list">{type_boxes}</div>
            </fieldset>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || shown.with(|f| f.only_assigned_to_me)
                    on:change=move |ev| { let on = event_target_checked(&ev); change(&|f: &mut Filters| f.only_assigned_to_me = on); }/>
                "Only cases assigned to me"
            </label>
            <p class="hint">"Off: events on every case of your firm reach you."</p>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || shown.with(|f| f.high_and_urgent_only)
                    on:change=move |ev| { let on = event_target_checked(&ev); change(&|f: &mut Filters| f.high_and_urgent_only = on); }/>
                "High and Urgent only"
            </label>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || shown.with(|f| f.always_negative_sentiment)
                    on:change=move |ev| { let on = event_target_checked(&ev); change(&|f: &mut Filters| f.always_negative_sentiment = on); }/>
                "Always tell me about negative sentiment"
            </label>
            <p class="hint">"On any case of your firm, whatever the filters above say."</p>
            <div class="field">
                <label for="messenger-filter">"Messenger filter"</label>
                <select id="messenger-filter" prop:value=move || shown.with(|f| f.messenger.key())
                    on:change=move |ev| {
                        if let Some(chosen) = Messenger::from_key(&event_target_value(&ev)) {
                            change(&|f: &mut Filters| f.messenger = chosen);
                        }
                    }>
                    {Messenger::ALL.into_iter().map(|m| view! {
                        <option value=m.key() selected=move || shown.with(|f| f.messenger == m)>{m.label()}</option>
                    }).collect_view()}
                </select>
                <p class="hint">"Which client messages count for \u{201c}New message\u{201d}."</p>
            </div>
            <p class="form-status" role="status">{move || matches!(status.get(), Some(Ok(()))).then_some("Saved.")}</p>
            <p class="form-error" role="alert">{move || status.get().and_then(Result::err)}</p>
        </section>
    }
    .into_any()
}
