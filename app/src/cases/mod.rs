//! The current company's work: "Cases" (the home page), a case's details, and "My tasks".

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::case_priority::Priority;
use crate::error::AppError;
use crate::ui::page_content;
use api::{
    AssignCase, CaseDetail, CompanyRef, CompleteTask, STATUSES, SwitchToCaseCompany, TaskView,
    UpdateCaseDetails, case_company, get_case, list_cases, my_tasks,
};

/// A case page's data: the case, or (for a link into another of the person's companies)
/// that company, or why it cannot be shown.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
enum CaseLoad {
    Found(Box<CaseDetail>),
    Elsewhere(i32, CompanyRef),
    Failed(AppError),
}

async fn load_case(id: i32) -> CaseLoad {
    match get_case(id).await {
        Ok(detail) => CaseLoad::Found(Box::new(detail)),
        Err(AppError::NotFound) => match case_company(id).await {
            Ok(Some(company)) => CaseLoad::Elsewhere(id, company),
            _ => CaseLoad::Failed(AppError::NotFound),
        },
        Err(err) => CaseLoad::Failed(err),
    }
}

/// What every page shows for an error from a company-scoped function.
fn scoped_error(err: AppError) -> AnyView {
    match err {
        AppError::NotFound => view! {
            <section class="card stack">
                <h1>"Case not found"</h1>
                <p>"There is no such case in any company you work for."</p>
                <p><A href="/">"Back to cases"</A></p>
            </section>
        }
        .into_any(),
        other => page_content(Err::<(), _>(other), |_| ().into_any()),
    }
}

#[component]
pub fn CasesPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let cases = server_resource(search, list_cases);
    view! {
        <Title text="Cases · Kayse"/>
        <section class="stack">
            <div class="page-heading">
                <h1>"Cases"</h1>
                <Form method="GET" action="" attr:class="search-form" attr:role="search">
                    <label for="case-search" class="visually-hidden">"Search cases by name or number"</label>
                    <input id="case-search" type="search" name="q" placeholder="Search by name or number" prop:value=search/>
                    <button type="submit" class="button secondary">"Search"</button>
                </Form>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading cases…"</p> }>
                {move || Suspend::new(async move {
                    match cases.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="card muted">{if search().is_empty() { "This company has no cases yet." } else { "No case matches your search." }}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="card table-wrap">
                                <table class="data-table">
                                    <thead><tr>
                                        <th scope="col">"Number"</th><th scope="col">"Name"</th><th scope="col">"Type"</th>
                                        <th scope="col">"Status"</th><th scope="col">"Priority"</th><th scope="col">"Assignee"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|c| view! {
                                            <tr data-testid="case-row">
                                                <td>{c.number}</td>
                                                <td><a href=format!("/cases/{}", c.id)>{c.name}</a></td>
                                                <td>{c.case_type}</td>
                                                <td>{c.status}</td>
                                                <td><PriorityBadge priority=c.priority/></td>
                                                <td>{c.assignee.unwrap_or_else(|| "Unassigned".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(err) => scoped_error(err),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
pub fn CaseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i32>().ok()).unwrap_or(0);
    let assign = ServerAction::<AssignCase>::new();
    let edit = ServerAction::<UpdateCaseDetails>::new();
    let complete = ServerAction::<CompleteTask>::new();
    let detail = server_resource(
        move || (id(), assign.version().get(), edit.version().get(), complete.version().get()),
        |(id, ..)| load_case(id),
    );
    view! {
        <Title text="Case · Kayse"/>
        <Transition fallback=|| view! { <p class="muted">"Loading the case…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    CaseLoad::Found(detail) => view! { <CaseDetailView detail=*detail assign edit complete/> }.into_any(),
                    CaseLoad::Elsewhere(case_id, company) => view! { <CaseInAnotherCompany case_id company/> }.into_any(),
                    CaseLoad::Failed(err) => scoped_error(err),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// A link to a case of another of the person's companies (from an email or a push):
/// offer to switch there, and show the case after the switch.
#[component]
fn CaseInAnotherCompany(case_id: i32, company: CompanyRef) -> impl IntoView {
    let switch = ServerAction::<SwitchToCaseCompany>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            // The whole app follows the session's company: reload this page in the new one.
            let _ = window().location().reload();
        }
    });
    let CompanyRef { name, .. } = company;
    view! {
        <section class="card stack" aria-labelledby="case-elsewhere-heading">
            <h1 id="case-elsewhere-heading">"This case is in another company"</h1>
            <p>"It belongs to " <strong>{name.clone()}</strong> ", one of the companies you work for. Switch to it to open the case."</p>
            <div class="form-actions">
                <button type="button" class="button primary" disabled=move || switch.pending().get()
                    on:click=move |_| { switch.dispatch(SwitchToCaseCompany { case_id }); }>
                    {format!("Switch to {name}")}
                </button>
                <A href="/">"Back to cases"</A>
            </div>
            <p class="form-error" role="alert">{move || switch.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
        </section>
    }
    .into_any()
}

/// "Urgent", with a colour for High and Urgent.
#[component]
fn PriorityBadge(priority: Priority) -> impl IntoView {
    let class = match priority {
        Priority::Urgent => "badge danger",
        Priority::High => "badge warning",
        Priority::Normal | Priority::Low => "badge neutral",
    };
    view! { <span class=class>{priority.label()}</span> }
}

/// An Admin's form for a case's status, type and priority.
#[component]
fn CaseDetailsForm(
    case_id: i32,
    status: String,
    case_type: String,
    priority: Priority,
    case_types: Vec<String>,
    edit: ServerAction<UpdateCaseDetails>,
) -> impl IntoView {
    let mut statuses: Vec<String> = STATUSES.iter().map(|s| (*s).to_owned()).collect();
    if !statuses.contains(&status) {
        statuses.insert(0, status.clone());
    }
    let field_error = move |field: &'static str| {
        move || edit.value().get().and_then(Result::err).and_then(|e| e.message_for(field))
    };
    let general_error = move || {
        edit.value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.message_for("status").is_none() && e.message_for("case_type").is_none())
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=edit attr:class="stack" attr:aria-labelledby="case-details-heading">
            <h2 id="case-details-heading">"Case details"</h2>
            <input type="hidden" name="case_id" value=case_id.to_string()/>
            <div class="inline-fields">
                <div class="field">
                    <label for="case-status">"Status"</label>
                    <select id="case-status" name="status">
                        {statuses.into_iter().map(|s| {
                            let selected = s == status;
                            view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error("status")}</p>
                </div>
                <div class="field">
                    <label for="case-type">"Type"</label>
                    <input id="case-type" name="case_type" list="case-type-list" value=case_type required maxlength="80"/>
                    <datalist id="case-type-list">
                        {case_types.into_iter().map(|t| view! { <option value=t/> }).collect_view()}
                    </datalist>
                    <p class="field-error" role="alert">{field_error("case_type")}</p>
                </div>
                <div class="field">
                    <label for="case-priority">"Priority"</label>
                    <select id="case-priority" name="priority">
                        {Priority::ALL.into_iter().map(|p| view! {
                            <option value=format!("{p:?}") selected=p == priority>{p.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="button secondary" disabled=move || edit.pending().get()>"Save changes"</button>
                <p class="form-status" role="status">{move || matches!(edit.value().get(), Some(Ok(_))).then_some("Saved.")}</p>
            </div>
            <p class="form-error" role="alert">{general_error}</p>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn CaseDetailView(
    detail: CaseDetail,
    assign: ServerAction<AssignCase>,
    edit: ServerAction<UpdateCaseDetails>,
    complete: ServerAction<CompleteTask>,
) -> impl IntoView {
    let CaseDetail { case, description, assignee_id, tasks, assignable, case_types, alerts } =
        detail;
    let is_admin = !assignable.is_empty();
    let case_id = case.id;
    let assign_error = move || assign.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <section class="stack">
            <p><A href="/">"← Cases"</A></p>
            <div class="card stack">
                <h1>{case.name}</h1>
                <dl class="facts">
                    <dt>"Number"</dt><dd>{case.number}</dd>
                    <dt>"Type"</dt><dd>{case.case_type.clone()}</dd>
                    <dt>"Status"</dt><dd>{case.status.clone()}</dd>
                    <dt>"Priority"</dt><dd data-testid="case-priority"><PriorityBadge priority=case.priority/></dd>
                    <dt>"Assignee"</dt><dd data-testid="case-assignee">{case.assignee.unwrap_or_else(|| "Unassigned".into())}</dd>
                </dl>
                <p>{description}</p>
                {(!assignable.is_empty()).then(|| view! {
                    <form class="form-actions" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let select = leptos::prelude::document().get_element_by_id("case-assignee-select");
                        let chosen = select
                            .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(el).ok())
                            .and_then(|el| el.value().parse::<i32>().ok());
                        if let Some(assignee_id) = chosen {
                            assign.dispatch(AssignCase { case_id, assignee_id });
                        }
                    }>
                        <label for="case-assignee-select">"Assign to"</label>
                        <select id="case-assignee-select">
                            {assignable.into_iter().map(|m| {
                                let selected = Some(m.id) == assignee_id;
                                view! { <option value=m.id.to_string() selected=selected>{m.name}</option> }
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button secondary" disabled=move || assign.pending().get()>"Assign"</button>
                        <p class="form-error" role="alert">{assign_error}</p>
                    </form>
                })}
            </div>
            {(!alerts.is_empty()).then(|| view! {
                <div class="card stack" aria-labelledby="case-alerts-heading">
                    <h2 id="case-alerts-heading">"Urgent alerts"</h2>
                    <ul class="alert-list">
                        {alerts.into_iter().map(|a| view! {
                            <li data-testid="case-alert"><strong>{a.what}</strong>" · "<span>{a.seen}</span></li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {is_admin.then(|| view! {
                <div class="card">
                    <CaseDetailsForm case_id status=case.status case_type=case.case_type
                        priority=case.priority case_types edit/>
                </div>
            })}
            <div class="card stack">
                <h2>"Tasks"</h2>
                <TaskList tasks show_case=false complete/>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn TaskList(
    tasks: Vec<TaskView>,
    show_case: bool,
    complete: ServerAction<CompleteTask>,
) -> impl IntoView {
    if tasks.is_empty() {
        return view! { <p class="muted">"No open tasks."</p> }.into_any();
    }
    let failed = move || complete.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <p class="form-error" role="alert">{failed}</p>
        <ul class="task-list">
            {tasks.into_iter().map(|t| view! {
                <li class="task-row" data-testid="task-row">
                    <div class="stack tight">
                        <strong>{t.title.clone()}</strong>
                        {show_case.then(|| view! { <a href=format!("/cases/{}", t.case_id)>{t.case_label.clone()}</a> })}
                        {(!show_case).then(|| t.assignee.clone().map(|a| view! { <span class="muted">{a}</span> }))}
                    </div>
                    <div class="task-due">
                        <span>"Due " {t.due}</span>
                        {t.overdue.then(|| view! { <span class="badge danger">"Overdue"</span> })}
                        {t.can_complete.then(|| {
                            let task_id = t.id;
                            view! {
                                <button type="button" class="button secondary small"
                                    aria-label=format!("Mark done: {}", t.title)
                                    disabled=move || complete.pending().get()
                                    on:click=move |_| { complete.dispatch(CompleteTask { task_id }); }>
                                    "Mark done"
                                </button>
                            }
                        })}
                    </div>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn MyTasksPage() -> impl IntoView {
    let complete = ServerAction::<CompleteTask>::new();
    let tasks = server_resource(move || complete.version().get(), |_| my_tasks());
    view! {
        <Title text="My tasks · Kayse"/>
        <section class="stack">
            <h1>"My tasks"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading your tasks…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Ok(tasks) => view! { <div class="card"><TaskList tasks show_case=true complete/></div> }.into_any(),
                        Err(err) => scoped_error(err),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}
