//! Company settings, for the Admins of the current company: its members (roles, how they
//! sign in, "Sign out everywhere", "Reset 2FA", "Remove from company"), the API tokens its
//! communication systems use to report client messages and calls, "Urgent alerts" (which
//! notifications must be seen, and who hears when they are not), the audit log, and
//! "Sign out all members".

pub mod api;
#[cfg(feature = "ssr")]
pub mod audit_log;
mod audit_log_section;
#[cfg(feature = "ssr")]
pub mod escalation;
mod escalation_section;
#[cfg(feature = "ssr")]
pub mod members;
mod members_section;
#[cfg(feature = "ssr")]
pub mod policy;
mod policy_section;
#[cfg(feature = "ssr")]
pub mod server;
mod sign_out_all_section;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;

use crate::error::AppError;
use crate::ui::confirm::ConfirmInPlace;
use crate::ui::form_errors::{server_field_error, server_form_error};
use crate::ui::page_content;
use api::{ApiTokenView, CompanyTokens, CreateApiToken, RevokeApiToken, list_api_tokens};
use audit_log_section::AuditLogSection;
use escalation_section::EscalationSection;
use members_section::MembersSection;
use policy_section::SecurityPolicySection;
use sign_out_all_section::SignOutAllSection;

#[component]
pub fn CompanySettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = server_resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    view! {
        <Title text="Company settings · Kayse"/>
        <div class="page-narrow stack">
            <h1>"Company settings"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    page_content(tokens.await, move |tokens| {
                        let admin = tokens.is_admin.then(|| tokens.company_name.clone());
                        view! {
                            {admin.clone().map(|company| view! {
                                <MembersSection company/>
                                <SecurityPolicySection/>
                                <EscalationSection/>
                            })}
                            <ApiTokens tokens create revoke/>
                            {admin.map(|company| view! {
                                <AuditLogSection/>
                                <SignOutAllSection company/>
                            })}
                        }
                        .into_any()
                    })
                })}
            </Transition>
        </div>
    }
    .into_any()
}

#[component]
fn ApiTokens(
    tokens: CompanyTokens,
    create: ServerAction<CreateApiToken>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let copied = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<i32>);
    let created = move || create.value().get().and_then(Result::ok);
    let name_error = move || create.value().with(|v| server_field_error(v, "name"));
    let create_error = move || {
        create.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let revoke_error = move || revoke.value().with(server_form_error);
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        copied.set(None);
        create.dispatch(CreateApiToken { name: name.get_untracked() });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });
    let company = tokens.company_name.clone();
    if !tokens.is_admin {
        return view! {
            <section class="card stack" aria-labelledby="api-tokens-heading">
                <h2 id="api-tokens-heading">"API tokens"</h2>
                <p>"Only an Admin of " {company} " can manage its API tokens."</p>
            </section>
        }
        .into_any();
    }
    let empty = tokens.tokens.is_empty();
    view! {
        <section class="card stack" aria-labelledby="api-tokens-heading">
            <h2 id="api-tokens-heading">"API tokens"</h2>
            <p class="muted">
                "The phone and messaging systems of " {company.clone()}
                " use API tokens to report client messages and calls to Kayse. A token works for this company only; revoke one the moment it is no longer needed."
            </p>
            {move || created().map(|done| {
                let token = done.token.clone();
                view! {
                    <div class="notice warning stack tight" data-testid="new-api-token-notice">
                        <p><strong>"Copy this token now: it will not be shown again."</strong></p>
                        <p class="secret-row">
                            <code class="secret" data-testid="new-api-token">{done.token.clone()}</code>
                            <button type="button" class="button secondary small"
                                on:click=move |_| crate::ui::copy::copy_text(token.clone(), copied, "Token copied.")>"Copy"</button>
                            <span class="hint" role="status">{move || copied.get()}</span>
                        </p>
                    </div>
                }
            })}
            <form class="stack" on:submit=on_create novalidate=true>
                <div class="field">
                    <label for="api-token-name">"Token name"</label>
                    <input id="api-token-name" type="text" required bind:value=name maxlength="80"
                        aria-describedby="api-token-name-hint api-token-name-error"
                        aria-invalid=move || name_error().is_some().to_string()/>
                    <p id="api-token-name-hint" class="hint">"For example, the system that will use it: “Front desk phones”."</p>
                    <p id="api-token-name-error" class="field-error">{name_error}</p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create token"</button>
                </div>
                <p class="form-error" role="alert">{create_error}</p>
            </form>
            <h3>"Active tokens"</h3>
            {empty.then(|| view! { <p class="muted">"No tokens yet."</p> })}
            <ul class="session-list" data-testid="api-token-list">
                {tokens.tokens.into_iter().map(|token| view! { <TokenRow token revoke confirming/> }).collect_view()}
            </ul>
            <p class="form-error" role="alert">{revoke_error}</p>
        </section>
    }
    .into_any()
}

#[component]
fn TokenRow(
    token: ApiTokenView,
    revoke: ServerAction<RevokeApiToken>,
    confirming: RwSignal<Option<i32>>,
) -> impl IntoView {
    let id = token.id;
    let name = token.name.clone();
    view! {
        <li class="session-row" data-testid="api-token-row">
            <div class="session-details">
                <p class="session-title"><strong>{token.name.clone()}</strong> <code>{token.prefix}</code></p>
                <p class="muted">"Created " {token.created} " by " {token.created_by}</p>
                <p class="muted">{token.last_used.map_or_else(|| "Never used".to_owned(), |at| format!("Last used {at}"))}</p>
            </div>
            <ConfirmInPlace id asking=confirming label="Revoke" accessible_label=format!("Revoke {name}")
                question=format!("Revoke {name}? Systems using it stop at once.") confirm_label="Revoke token"
                pending=revoke.pending() on_confirm=Callback::new(move |()| { revoke.dispatch(RevokeApiToken { id }); })/>
        </li>
    }
    .into_any()
}
