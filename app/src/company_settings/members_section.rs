//! The "Members" card of Company settings (Admins): each member's role, how they sign in,
//! their last sign-in and open sessions, with "Make Admin" / "Make Member", "Sign out
//! everywhere", "Reset 2FA" and "Remove from company", each asked first, in place.

use leptos::prelude::*;

use crate::ui::resource::server_resource;

use super::api::{
    MemberView, RemoveMember, ResetMemberTwoFactor, SetMemberRole, SignOutMember, list_members,
};
use crate::ui::confirm::ConfirmInPlace;
use crate::ui::form_errors::server_form_error;
use crate::ui::page_content;

/// The card's actions and which row is asking which question: one set, shared by rows.
#[derive(Clone, Copy)]
struct MemberActions {
    set_role: ServerAction<SetMemberRole>,
    sign_out: ServerAction<SignOutMember>,
    reset: ServerAction<ResetMemberTwoFactor>,
    remove: ServerAction<RemoveMember>,
    asking_role: RwSignal<Option<i32>>,
    asking_sign_out: RwSignal<Option<i32>>,
    asking_reset: RwSignal<Option<i32>>,
    asking_remove: RwSignal<Option<i32>>,
    pending: Signal<bool>,
}

#[component]
pub fn MembersSection(company: String) -> impl IntoView {
    let set_role = ServerAction::<SetMemberRole>::new();
    let sign_out = ServerAction::<SignOutMember>::new();
    let reset = ServerAction::<ResetMemberTwoFactor>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let members = server_resource(
        move || {
            (
                set_role.version().get(),
                sign_out.version().get(),
                reset.version().get(),
                remove.version().get(),
            )
        },
        |_| list_members(),
    );
    let actions = MemberActions {
        set_role,
        sign_out,
        reset,
        remove,
        asking_role: RwSignal::new(None),
        asking_sign_out: RwSignal::new(None),
        asking_reset: RwSignal::new(None),
        asking_remove: RwSignal::new(None),
        pending: Signal::derive(move || {
            set_role.pending().get()
                || sign_out.pending().get()
                || reset.pending().get()
                || remove.pending().get()
        }),
    };
    let notice = RwSignal::new(None::<String>);
    let error = move || {
        set_role
            .value()
            .with(server_form_error)
            .or_else(|| sign_out.value().with(server_form_error))
            .or_else(|| reset.value().with(server_form_error))
            .or_else(|| remove.value().with(server_form_error))
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = set_role.value().get() {
            actions.asking_role.set(None);
            notice.set(Some("The role was changed.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(ended)) = sign_out.value().get() {
            actions.asking_sign_out.set(None);
            notice.set(Some(match ended {
                1 => "Signed out of 1 session.".to_owned(),
                n => format!("Signed out of {n} sessions."),
            }));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            actions.asking_reset.set(None);
            notice.set(Some(
                "Two-factor authentication was reset. The member was emailed and signs in with their password, then sets it up again."
                    .into(),
            ));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            actions.asking_remove.set(None);
            notice.set(Some("The member was removed from the company.".into()));
        }
    });
    view! {
        <section class="card stack" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <p class="muted">"Everyone in " {company} ", how they sign in, and their sessions. A company always keeps at least one Admin."</p>
            <p class="form-status" role="status">{move || notice.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                {move || Suspend::new(async move {
                    page_content(members.await, move |list| {
                        let can_reset = list.i_have_two_factor;
                        view! {
                            {(!can_reset).then(|| view! {
                                <p class="hint">"To reset a member's 2FA, first turn on two-factor authentication for your own account on the Security tab."</p>
                            })}
                            <ul class="session-list" data-testid="members">
                                {list.members.into_iter().map(|member| view! {
                                    <MemberRow member actions can_reset/>
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })
                })}
            </Transition>
            <p class="form-error" role="alert">{error}</p>
        </section>
    }
    .into_any()
}

#[component]
fn MemberRow(member: MemberView, actions: MemberActions, can_reset: bool) -> impl IntoView {
    let id = member.user_id;
    let name = member.name.clone();
    let make_admin = !member.is_admin;
    let has_two_factor = member.two_factor != "Off";
    let sessions = match member.open_sessions {
        0 => "No open sessions".to_owned(),
        1 => "1 open session".to_owned(),
        n => format!("{n} open sessions"),
    };
    let MemberActions { set_role, sign_out, reset, remove, pending, .. } = actions;
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
                    <ConfirmInPlace id asking=actions.asking_role
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
                    <ConfirmInPlace id asking=actions.asking_sign_out label="Sign out everywhere"
                        accessible_label=format!("Sign out everywhere: {name}")
                        question=format!("Sign {name} out of every session? They will need to sign in again on every device.")
                        confirm_label="Sign out everywhere" pending
                        on_confirm=Callback::new(move |_| { sign_out.dispatch(SignOutMember { user_id: id }); })/>
                    {(has_two_factor && can_reset).then(|| view! {
                        <ConfirmInPlace id asking=actions.asking_reset label="Reset 2FA"
                            accessible_label=format!("Reset 2FA: {name}")
                            question=format!("Reset {name}'s two-factor authentication? Their authenticator app, backup codes and passkeys are removed and every session of theirs ends. Do this only when you are sure it is them asking.")
                            confirm_label="Reset 2FA" pending
                            on_confirm=Callback::new(move |_| { reset.dispatch(ResetMemberTwoFactor { user_id: id }); })/>
                    })}
                    <ConfirmInPlace id asking=actions.asking_remove label="Remove from company"
                        accessible_label=format!("Remove from company: {name}")
                        question=format!("Remove {name} from the company? They lose access to its cases and tasks at once; their account and other companies stay.")
                        confirm_label="Remove from company" pending
                        on_confirm=Callback::new(move |_| { remove.dispatch(RemoveMember { user_id: id }); })/>
                </div>
            })}
        </li>
    }
    .into_any()
}
