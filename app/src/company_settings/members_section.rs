//! The "Members" card of Company settings (Admins): each member's role, how they sign in,
//! their last sign-in and open sessions, with "Make Admin" / "Make Member" and "Sign out
//! everywhere", each asked first, in place.

use leptos::prelude::*;

use super::api::{MemberView, SetMemberRole, SignOutMember, list_members};
use crate::ui::confirm::ConfirmInPlace;
use crate::ui::form_errors::server_form_error;
use crate::ui::page_content;

#[component]
pub fn MembersSection(company: String) -> impl IntoView {
    let set_role = ServerAction::<SetMemberRole>::new();
    let sign_out = ServerAction::<SignOutMember>::new();
    let members = Resource::new(
        move || (set_role.version().get(), sign_out.version().get()),
        |_| list_members(),
    );
    let asking_role = RwSignal::new(None::<i32>);
    let asking_sign_out = RwSignal::new(None::<i32>);
    let notice = RwSignal::new(None::<String>);
    let error = move || {
        set_role
            .value()
            .with(server_form_error)
            .or_else(|| sign_out.value().with(server_form_error))
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = set_role.value().get() {
            asking_role.set(None);
            notice.set(Some("The role was changed.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(ended)) = sign_out.value().get() {
            asking_sign_out.set(None);
            notice.set(Some(match ended {
                1 => "Signed out of 1 session.".to_owned(),
                n => format!("Signed out of {n} sessions."),
            }));
        }
    });
    let pending = Signal::derive(move || set_role.pending().get() || sign_out.pending().get());
    view! {
        <section class="card stack" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <p class="muted">"Everyone in " {company} ", how they sign in, and their sessions. A company always keeps at least one Admin."</p>
            <p class="form-status" role="status">{move || notice.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                {move || Suspend::new(async move {
                    page_content(members.await, move |list| view! {
                        <ul class="session-list" data-testid="members">
                            {list.members.into_iter().map(|member| view! {
                                <MemberRow member set_role sign_out asking_role asking_sign_out pending/>
                            }).collect_view()}
                        </ul>
                    }.into_any())
                })}
            </Transition>
            <p class="form-error" role="alert">{error}</p>
        </section>
    }
    .into_any()
}

#[component]
fn MemberRow(
    member: MemberView,
    set_role: ServerAction<SetMemberRole>,
    sign_out: ServerAction<SignOutMember>,
    asking_role: RwSignal<Option<i32>>,
    asking_sign_out: RwSignal<Option<i32>>,
    pending: Signal<bool>,
) -> impl IntoView {
    let id = member.user_id;
    let name = member.name.clone();
    let make_admin = !member.is_admin;
    let sessions = match member.open_sessions {
        0 => "No open sessions".to_owned(),
        1 => "1 open session".to_owned(),
        n => format!("{n} open sessions"),
    };
    view! {
        <li class="session-row" data-testid="member">
            <div class="session-details">
                <p class="session-title">
                    <strong>{member.name.clone()}</strong>
                    {member.is_me.then(|| view! { <span class="badge">"You"</span> })}
                    <span class=if member.is_admin { "badge on" } else { "badge" }>{if member.is_admin { "Admin" } else { "Member" }}</span>
                </p>
                <p class="muted">{member.email}</p>
                <p class="muted">
                    "2FA: " {member.two_factor} " · "
                    {member.last_sign_in.map_or_else(|| "Never signed in".to_owned(), |at| format!("Last sign-in {at}"))}
                    " · " {sessions}
                </p>
            </div>
            {(!member.is_me).then(|| view! {
                <div class="stack tight">
                    <ConfirmInPlace id asking=asking_role
                        label=if make_admin { "Make Admin" } else { "Make Member" }
                        accessible_label=format!("{} {name}", if make_admin { "Make Admin:" } else { "Make Member:" })
                        question=if make_admin {
                            format!("Make {name} an Admin? Admins manage members, policies and API tokens.")
                        } else {
                            format!("Make {name} a Member? They will no longer manage the company.")
                        }
                        confirm_label=if make_admin { "Yes, make Admin" } else { "Yes, make Member" }
                        pending
                        on_confirm=Callback::new(move |_| { set_role.dispatch(SetMemberRole { user_id: id, admin: make_admin }); })/>
                    <ConfirmInPlace id asking=asking_sign_out label="Sign out everywhere"
                        accessible_label=format!("Sign out everywhere: {name}")
                        question=format!("Sign {name} out of every session? They will need to sign in again on every device.")
                        confirm_label="Sign out everywhere" pending
                        on_confirm=Callback::new(move |_| { sign_out.dispatch(SignOutMember { user_id: id }); })/>
                </div>
            })}
        </li>
    }
    .into_any()
}
