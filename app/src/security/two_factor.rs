//! Two-factor authentication on the Security tab: turning it on (QR code or key, then a
//! code that proves the app works, then the backup codes), regenerating the backup codes
//! and turning it off. Each of these asks for the password every time (and, with 2FA on, a
//! current code), and afterwards offers to sign out the account's other devices.

use leptos::prelude::*;

use super::api::{
    BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, RegenerateBackupCodes, SecurityOverview,
    SignOutOtherDevices, TwoFactorSetup,
};
use super::backup_codes_panel::BackupCodesPanel;
use crate::error::AppError;
use crate::ui::copy::copy_text;
use crate::ui::focus::focus_after_render;
use crate::ui::form_errors::{server_field_error, server_form_error};

/// Where the 2FA section is in its flows. Kept by the page, so reloading the overview
/// (after a change) does not lose a half-finished flow.
#[derive(Clone, Debug, PartialEq)]
pub enum TwoFactorFlow {
    Idle,
    /// Enabling, and the password is needed first.
    PasswordForEnable,
    Setup(TwoFactorSetup),
    ConfirmRegenerate,
    ConfirmDisable,
    /// New backup codes, shown once, after the change that made them.
    Codes(Vec<String>, TwoFactorChange),
    /// After a change: would the person like every other device signed out?
    OfferSignOut(TwoFactorChange),
}

/// What just changed, for the sign-out offer's first sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoFactorChange {
    Enabled,
    Regenerated,
    Disabled,
}

impl TwoFactorChange {
    fn done(self) -> &'static str {
        match self {
            TwoFactorChange::Enabled => "Two-factor authentication is on.",
            TwoFactorChange::Regenerated => {
                "Your new backup codes are ready; the old ones no longer work."
            }
            TwoFactorChange::Disabled => "Two-factor authentication is off.",
        }
    }
}

/// The section's actions and flow, created once by the page.
#[derive(Clone, Copy)]
pub struct TwoFactorControls {
    pub flow: RwSignal<TwoFactorFlow>,
    pub begin: ServerAction<BeginTwoFactor>,
    pub confirm: ServerAction<ConfirmTwoFactor>,
    pub regenerate: ServerAction<RegenerateBackupCodes>,
    pub disable: ServerAction<DisableTwoFactor>,
    pub sign_out_others: ServerAction<SignOutOtherDevices>,
    /// "I have saved my backup codes", kept here: the overview reloads while the codes
    /// are on screen (so the badge already says On), which renders the panel again.
    pub codes_saved: RwSignal<bool>,
}

impl TwoFactorControls {
    /// Creates the actions and the effects that move the flow along.
    pub fn new(on_changed: Callback<()>) -> Self {
        let controls = TwoFactorControls {
            flow: RwSignal::new(TwoFactorFlow::Idle),
            begin: ServerAction::new(),
            confirm: ServerAction::new(),
            regenerate: ServerAction::new(),
            disable: ServerAction::new(),
            sign_out_others: ServerAction::new(),
            codes_saved: RwSignal::new(false),
        };
        let flow = controls.flow;
        Effect::new(move |_| {
            if let Some(Ok(setup)) = controls.begin.value().get() {
                flow.set(TwoFactorFlow::Setup(setup));
                focus_after_render("totp-code");
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(codes)) = controls.confirm.value().get() {
                controls.codes_saved.set(false);
                flow.set(TwoFactorFlow::Codes(codes, TwoFactorChange::Enabled));
                // 2FA is on from this moment: the badge and the count say so now, not
                // once the codes are put away.
                on_changed.run(());
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(codes)) = controls.regenerate.value().get() {
                controls.codes_saved.set(false);
                flow.set(TwoFactorFlow::Codes(codes, TwoFactorChange::Regenerated));
                on_changed.run(());
            }
        });
        Effect::new(move |_| {
            if let Some(Ok(())) = controls.disable.value().get() {
                controls.sign_out_others.value().set(None);
                flow.set(TwoFactorFlow::OfferSignOut(TwoFactorChange::Disabled));
                focus_after_render("sign-out-offer-heading");
                on_changed.run(());
            }
        });
        controls
    }
}

#[component]
pub fn TwoFactorSection(overview: SecurityOverview, controls: TwoFactorControls) -> impl IntoView {
    let flow = controls.flow;
    let enabled = overview.two_factor_since.is_some();
    let has_passkeys = !overview.passkeys.is_empty();
    let required_by = StoredValue::new(overview.two_factor_required_by.join(", "));
    let required = !overview.two_factor_required_by.is_empty();
    let requirement = required.then(|| {
        let who = required_by.get_value();
        if enabled {
            view! { <p class="hint" data-testid="two-factor-required">{format!("Required by {who}: it stays on while you work there.")}</p> }.into_any()
        } else {
            view! { <p class="notice warning" data-testid="two-factor-required">{format!("{who} requires two-factor authentication. Turn it on to keep working there.")}</p> }.into_any()
        }
    });
    let status = match &overview.two_factor_since {
        Some(since) => view! {
            <p class="two-factor-state" data-testid="two-factor-state">
                <span class="badge on">"On"</span> " since " {since.clone()}
            </p>
            <p data-testid="backup-codes-left">
                {match overview.backup_codes_left {
                    1 => "1 of 10 backup codes left.".to_owned(),
                    n => format!("{n} of 10 backup codes left."),
                }}
                {(overview.backup_codes_left <= super::rules::LOW_BACKUP_CODES).then_some(" Generate new ones soon: each code works once.")}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="two-factor-state" data-testid="two-factor-state"><span class="badge">"Off"</span></p>
            <p class="muted">"Add a second step to signing in: a code from an authenticator app on your phone. Someone who learns your password still can't sign in."</p>
        }
        .into_any(),
    };

    let start_enable = move |_| {
        controls.begin.value().set(None);
        flow.set(TwoFactorFlow::PasswordForEnable);
        focus_after_render("enable-password");
    };

    view! {
        <section class="card stack" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor authentication"</h2>
            {status}
            {requirement}
            {move || match flow.get() {
                TwoFactorFlow::Idle => idle_actions(enabled, required, controls, start_enable),
                TwoFactorFlow::PasswordForEnable => view! { <EnablePassword controls/> }.into_any(),
                TwoFactorFlow::Setup(setup) => view! { <SetupSteps setup controls/> }.into_any(),
                TwoFactorFlow::Codes(codes, change) => view! { <BackupCodesPanel codes saved=controls.codes_saved on_done=Callback::new(move |_| {
                    controls.sign_out_others.value().set(None);
                    flow.set(TwoFactorFlow::OfferSignOut(change));
                    focus_after_render("sign-out-offer-heading");
                })/> }.into_any(),
                TwoFactorFlow::OfferSignOut(change) => view! { <SignOutOffer change controls/> }.into_any(),
                TwoFactorFlow::ConfirmRegenerate => view! { <ConfirmRegenerate controls/> }.into_any(),
                TwoFactorFlow::ConfirmDisable => view! { <ConfirmDisable controls has_passkeys/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

fn idle_actions(
    enabled: bool,
    required: bool,
    controls: TwoFactorControls,
    start_enable: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> AnyView {
    let flow = controls.flow;
    let begin_error = move || controls.begin.value().with(server_form_error);
    if enabled {
        view! {
            <div class="form-actions">
                <button type="button" class="button secondary" on:click=move |_| {
                    controls.regenerate.value().set(None);
                    flow.set(TwoFactorFlow::ConfirmRegenerate);
                    focus_after_render("regenerate-password");
                }>"Regenerate backup codes"</button>
                {(!required).then(|| view! {
                    <button type="button" class="button danger" on:click=move |_| {
                        controls.disable.value().set(None);
                        flow.set(TwoFactorFlow::ConfirmDisable);
                        focus_after_render("disable-password");
                    }>"Disable 2FA"</button>
                })}
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="form-actions">
                <button type="button" class="button primary" on:click=start_enable
                    disabled=move || controls.begin.pending().get()>"Enable 2FA"</button>
            </div>
            <p class="form-error" role="alert">{begin_error}</p>
        }
        .into_any()
    }
}

#[component]
fn EnablePassword(controls: TwoFactorControls) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = move || {
        controls.begin.value().with(|v| match v {
            None | Some(Ok(_)) => None,
            Some(Err(err)) => Some(err.message_for("password").unwrap_or_else(|| err.to_string())),
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        controls.begin.dispatch(BeginTwoFactor { password: password.get_untracked() });
    };
    view! {
        <form class="stack inset" on:submit=on_submit>
            <div class="field">
                <label for="enable-password">"Your password"</label>
                <input id="enable-password" type="password" autocomplete="current-password" required bind:value=password
                    aria-describedby="enable-password-hint enable-password-error"
                    aria-invalid=move || error().is_some().to_string()/>
                <p id="enable-password-hint" class="hint">"For your security, confirm it's you before setting up 2FA."</p>
                <p id="enable-password-error" class="field-error">{error}</p>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || controls.begin.pending().get()>"Continue"</button>
                <button type="button" class="button secondary" on:click=move |_| controls.flow.set(TwoFactorFlow::Idle)>"Cancel"</button>
            </div>
        </form>
    }
    .into_any()
}

#[component]
fn SetupSteps(setup: TwoFactorSetup, controls: TwoFactorControls) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let copied = RwSignal::new(None::<String>);
    let secret_text = setup.secret.replace(' ', "");
    let code_error = move || controls.confirm.value().with(|v| server_field_error(v, "code"));
    let form_error = move || {
        controls.confirm.value().with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        controls.confirm.dispatch(ConfirmTwoFactor { code: code.get_untracked() });
    };
    view! {
        <ol class="setup-steps stack">
            <li class="stack tight">
                <h3>"Scan the QR code"</h3>
                <p>"Open your authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password) and scan this code."</p>
                <img class="qr-code" src=setup.qr_code width="200" height="200"
                    alt="QR code that adds your Kayse account to an authenticator app"/>
                <p>"Can't scan it? Enter this key in the app instead:"</p>
                <p class="secret-row">
                    <code class="secret" data-testid="totp-secret">{setup.secret.clone()}</code>
                    <button type="button" class="button secondary small" on:click=move |_| copy_text(secret_text.clone(), copied, "Key copied.")>
                        "Copy"
                    </button>
                    <span class="hint" role="status">{move || copied.get()}</span>
                </p>
            </li>
            <li class="stack tight">
                <h3>"Enter the code from the app"</h3>
                <form class="stack" on:submit=on_submit novalidate=true>
                    <div class="field narrow">
                        <label for="totp-code">"Verification code"</label>
                        <input id="totp-code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7"
                            required bind:value=code aria-describedby="totp-code-hint totp-code-error"
                            aria-invalid=move || code_error().is_some().to_string()/>
                        <p id="totp-code-hint" class="hint">"The 6-digit code the app shows for Kayse."</p>
                        <p id="totp-code-error" class="field-error">{code_error}</p>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || controls.confirm.pending().get()>
                            {move || if controls.confirm.pending().get() { "Verifying…" } else { "Verify" }}
                        </button>
                        <button type="button" class="button secondary" on:click=move |_| controls.flow.set(TwoFactorFlow::Idle)>"Cancel"</button>
                    </div>
                    <p class="form-error" role="alert">{form_error}</p>
                </form>
            </li>
        </ol>
    }
    .into_any()
}

#[component]
fn ConfirmRegenerate(controls: TwoFactorControls) -> impl IntoView {
    let action = controls.regenerate;
    view! {
        <PasswordAndCodeForm
            id="regenerate"
            heading="Replace your backup codes?"
            explanation="You get 10 new codes. Your current codes, used or not, stop working at once."
            submit_label="Regenerate backup codes"
            answer=Signal::derive(move || action.value().with(answer_error))
            pending=action.pending().into()
            on_confirm=Callback::new(move |(password, code)| {
                action.dispatch(RegenerateBackupCodes { password, code });
            })
            flow=controls.flow
        />
    }
}

/// After a 2FA change: the person may have changed it because someone else got in, so the
/// obvious next step is one button away.
#[component]
fn SignOutOffer(change: TwoFactorChange, controls: TwoFactorControls) -> impl IntoView {
    let action = controls.sign_out_others;
    let done = move || match action.value().get() {
        Some(Ok(0)) => Some("No other device was signed in.".to_owned()),
        Some(Ok(1)) => Some("Signed out of 1 other device.".to_owned()),
        Some(Ok(n)) => Some(format!("Signed out of {n} other devices.")),
        _ => None,
    };
    let failed = move || action.value().get().and_then(Result::err).map(|err| err.to_string());
    let finished = move || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <div class="stack inset" role="region" aria-labelledby="sign-out-offer-heading" data-testid="sign-out-offer">
            <h3 id="sign-out-offer-heading" tabindex="-1">{change.done()}</h3>
            <p>"Signed in on a device you don't recognise or no longer use? Sign out everywhere except here."</p>
            <p class="form-status" role="status">{done}</p>
            <p class="form-error" role="alert">{failed}</p>
            <div class="form-actions">
                <Show when=move || !finished()>
                    <button type="button" class="button danger" disabled=move || action.pending().get()
                        on:click=move |_| { action.dispatch(SignOutOtherDevices {}); }>
                        {move || if action.pending().get() { "Signing out…" } else { "Sign out other devices" }}
                    </button>
                </Show>
                <button type="button" class="button secondary" on:click=move |_| controls.flow.set(TwoFactorFlow::Idle)>
                    {move || if finished() { "Done" } else { "Not now" }}
                </button>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn ConfirmDisable(controls: TwoFactorControls, has_passkeys: bool) -> impl IntoView {
    let action = controls.disable;
    // Passkeys are not part of 2FA here: say what becomes of them, rather than leave it open.
    let explanation = if has_passkeys {
        "Signing in with your password will need nothing more, and your backup codes stop working. Your passkeys stay: they still sign you in on their own, and you can remove them below."
    } else {
        "Signing in will need only your password again, and your backup codes stop working."
    };
    view! {
        <PasswordAndCodeForm
            id="disable"
            heading="Turn off two-factor authentication?"
            explanation
            submit_label="Disable 2FA"
            answer=Signal::derive(move || action.value().with(answer_error))
            pending=action.pending().into()
            on_confirm=Callback::new(move |(password, code)| {
                action.dispatch(DisableTwoFactor { password, code });
            })
            flow=controls.flow
        />
    }
}

/// The last answer of a confirmation, reduced to what its form shows: nothing yet or a
/// success (`None`), or the error.
fn answer_error<T>(value: &Option<Result<T, AppError>>) -> Option<Result<(), AppError>> {
    match value {
        Some(Err(err)) => Some(Err(err.clone())),
        _ => None,
    }
}

/// The form both sensitive 2FA changes share: the password and a current code, every time.
#[component]
fn PasswordAndCodeForm(
    /// Prefix of the element ids.
    id: &'static str,
    heading: &'static str,
    explanation: &'static str,
    submit_label: &'static str,
    /// The last answer's error, if the last answer was one.
    answer: Signal<Option<Result<(), AppError>>>,
    pending: Signal<bool>,
    /// Called with the password and the code.
    on_confirm: Callback<(String, String)>,
    flow: RwSignal<TwoFactorFlow>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let field_error =
        move |field: &'static str| move || answer.with(|v| server_field_error(v, field));
    let form_error = move || {
        answer.with(|v| match v {
            Some(Err(AppError::Invalid { .. })) => None,
            other => server_form_error(other),
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_confirm.run((password.get_untracked(), code.get_untracked()));
    };
    let ids = |suffix: &str| format!("{id}-{suffix}");
    view! {
        <form class="stack inset" on:submit=on_submit novalidate=true aria-labelledby=ids("heading")>
            <h3 id=ids("heading")>{heading}</h3>
            <p>{explanation}</p>
            <div class="field">
                <label for=ids("password")>"Your password"</label>
                <input id=ids("password") type="password" autocomplete="current-password" required bind:value=password
                    aria-describedby=ids("password-error") aria-invalid=move || field_error("password")().is_some().to_string()/>
                <p id=ids("password-error") class="field-error">{field_error("password")}</p>
            </div>
            <div class="field narrow">
                <label for=ids("code")>"Code from your app, or a backup code"</label>
                <input id=ids("code") type="text" autocomplete="one-time-code" required bind:value=code
                    aria-describedby=ids("code-error") aria-invalid=move || field_error("code")().is_some().to_string()/>
                <p id=ids("code-error") class="field-error">{field_error("code")}</p>
            </div>
            <div class="form-actions">
                <button type="submit" class="button danger" disabled=move || pending.get()>{submit_label}</button>
                <button type="button" class="button secondary" on:click=move |_| flow.set(TwoFactorFlow::Idle)>"Cancel"</button>
            </div>
            <p class="form-error" role="alert">{form_error}</p>
        </form>
    }
}
