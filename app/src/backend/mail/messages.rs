//! Every email the app sends, composed in one place: subject, plain text and HTML. Services
//! decide when to send and pass the facts; the words, the layout and the links live here.

use std::collections::BTreeMap;

use super::links;
use super::{Email, html_escape, simple_html};
use crate::backend::entities::user;
use crate::backend::state::RuntimeConfig;

const FOOTER_STYLE: &str = "color:#6b7280;font-size:13px";

fn greeting(person: &user::Model) -> String {
    format!("Hello {},", person.full_name)
}

/// The link that confirms a new login email, sent to the new address.
pub fn confirm_new_email(
    config: &RuntimeConfig,
    person: &user::Model,
    new_email: &str,
    token: &str,
) -> Email {
    let link = links::confirm_email(config, token);
    let paragraphs = [
        greeting(person),
        "You asked to use this address to sign in to Kayse. Open the link below to confirm it. \
         It works once, for 24 hours."
            .to_owned(),
        "If you did not ask for this, ignore this message: nothing changes.".to_owned(),
    ];
    Email {
        to: new_email.to_owned(),
        subject: "Confirm your new Kayse email address".into(),
        text: format!("{}\n\nConfirm: {link}\n\n{}\n", paragraphs[..2].join("\n\n"), paragraphs[2]),
        html: simple_html(&paragraphs, Some(("Confirm email address", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// The "Forgot password?" link, sent to the account's address.
pub fn password_reset_link(config: &RuntimeConfig, person: &user::Model, token: &str) -> Email {
    let link = links::reset_password(config, token);
    let paragraphs = [
        greeting(person),
        "Someone asked to reset the password of your Kayse account. Open the link below to \
         choose a new one. It works once, for 30 minutes."
            .to_owned(),
        "If you did not ask for this, ignore this message: your password stays as it is."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: "Reset your Kayse password".into(),
        text: format!(
            "{}\n\nChoose a new password: {link}\n\n{}\n",
            paragraphs[..2].join("\n\n"),
            paragraphs[2]
        ),
        html: simple_html(&paragraphs, Some(("Choose a new password", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// "Secure my account" was used: what happened, and the way back in.
pub fn account_secured(
    config: &RuntimeConfig,
    person: &user::Model,
    when: &str,
    from: &str,
) -> Email {
    let link = links::to_path(config, "/forgot-password");
    let paragraphs = [
        greeting(person),
        format!(
            "Your Kayse account was secured on {when}, from {from}: every session was signed \
             out, pending changes were cancelled, remembered devices and passkeys were \
             removed and push \
             notifications were turned off on every device."
        ),
        "To sign in again, choose a new password with the link below. Your company's \
         administrators have been told."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: "Your Kayse account was secured".into(),
        text: format!("{}\n\nChoose a new password: {link}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("Choose a new password", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// Tells an Admin that a member of their company secured their account.
pub fn member_account_secured(
    config: &RuntimeConfig,
    admin: &user::Model,
    member: &user::Model,
    when: &str,
) -> Email {
    let link = links::to_path(config, "/company");
    let paragraphs = [
        greeting(admin),
        format!(
            "{} ({}) secured their Kayse account on {when}, because they think someone else \
             may have used it. Every session of theirs was signed out, and they must choose a \
             new password before signing in again.",
            member.full_name, member.email
        ),
        "You may want to check with them, and review what their account did recently.".to_owned(),
    ];
    Email {
        to: admin.email.clone(),
        subject: format!("{} secured their Kayse account", member.full_name),
        text: format!("{}\n\nCompany settings: {link}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("Open Company settings", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// Tells the (still current) address that a change away from it was requested, with a
/// link that cancels it without signing in.
pub fn email_change_requested(
    config: &RuntimeConfig,
    person: &user::Model,
    new_email: &str,
    when: &str,
    cancel_token: &str,
) -> Email {
    let link = links::cancel_email_change(config, cancel_token);
    let paragraphs = [
        greeting(person),
        format!(
            "On {when} someone asked to change the login email of your Kayse account from \
             this address to {new_email}. Nothing changes until the link sent to {new_email} \
             is opened."
        ),
        "This wasn't me: cancel the change with the link below, then change your password \
         and review your sessions."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: "A change of your Kayse login email was requested".into(),
        text: format!("{}\n\nCancel the change: {link}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("This wasn't me: cancel the change", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// Tells the old address that the login email was changed, with a "This wasn't me" link
/// that puts the login back on the old address before securing the account.
pub fn login_email_changed(
    person: &user::Model,
    old_email: &str,
    new_email: &str,
    when: &str,
    from: &str,
    wasnt_me: &str,
) -> Email {
    let paragraphs = [
        greeting(person),
        format!(
            "The login email of your Kayse account was changed from {old_email} to {new_email} on {when}, from {from}."
        ),
        format!(
            "If this was you, there is nothing to do. If it wasn't, open \"This wasn't me\" below \
             (it works once, for 7 days): your login goes back to {old_email}, your account is \
             signed out everywhere and a link to choose a new password is needed to sign in \
             again, and your firm's Kayse administrators are told."
        ),
    ];
    Email {
        to: old_email.to_owned(),
        subject: "Your Kayse login email was changed".into(),
        text: format!("{}\n\nThis wasn't me: {wasnt_me}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("This wasn't me", wasnt_me))),
        links: vec![wasnt_me.to_owned()],
        list_unsubscribe: None,
    }
}

/// A sign-in from a browser + system + address the account has not used before.
pub fn new_device_sign_in(
    config: &RuntimeConfig,
    person: &user::Model,
    device: &str,
    address: &str,
    when: &str,
    wasnt_me: &str,
) -> Email {
    let link = links::settings(config, "sessions");
    let paragraphs = [
        greeting(person),
        format!(
            "Your Kayse account was just signed in to from a new device: {device}, from {address}, on {when}."
        ),
        "If this was you, there is nothing to do. If it wasn't, open \"This wasn't me\" below \
         (it works once, for 7 days): it signs your account out everywhere and asks for a new \
         password, and your firm's Kayse administrators are told."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: "New sign-in to your Kayse account".into(),
        text: format!(
            "{}\n\nThis wasn't me: {wasnt_me}\n\nYour sessions: {link}\n",
            paragraphs.join("\n\n")
        ),
        html: simple_html(&paragraphs, Some(("This wasn't me", wasnt_me))),
        links: vec![link, wasnt_me.to_owned()],
        list_unsubscribe: None,
    }
}

/// Repeated wrong passwords or codes paused signing in from somewhere: sent once per
/// lock-out episode, so the owner knows someone is guessing.
pub fn sign_in_paused(
    config: &RuntimeConfig,
    person: &user::Model,
    when: &str,
    address: &str,
) -> Email {
    let link = links::settings(config, "security");
    let paragraphs = [
        greeting(person),
        format!(
            "Several wrong passwords or codes were entered for your Kayse account on {when}, from {address}, so signing in from there is paused for a while."
        ),
        "Your password still works in browsers you have signed in with before. If these attempts \
         were not yours, someone may be guessing: choose a strong password you use nowhere else and \
         turn on two-factor authentication."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: "Sign-in to your Kayse account was paused".into(),
        text: format!("{}\n\nYour security settings: {link}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("Review your security settings", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// A company now requires two-factor authentication and the person has none: sent when
/// an Admin turns the requirement on, and once more shortly before the grace period ends.
/// `from` is the moment it applies, in the person's timezone, or `None` when it already does.
pub fn two_factor_required(
    config: &RuntimeConfig,
    person: &user::Model,
    company: &str,
    from: Option<&str>,
) -> Email {
    let link = links::settings(config, "security");
    let when = match from {
        Some(from) => format!("from {from}"),
        None => "now".to_owned(),
    };
    let paragraphs = [
        greeting(person),
        format!(
            "{company} requires two-factor authentication for everyone who works in it, {when}. Without it, Kayse will ask you to set it up before showing any of {company}'s cases, tasks or notifications."
        ),
        "It takes two minutes: open the Security tab, choose \"Enable 2FA\" and scan the QR \
         code with an authenticator app on your phone."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: format!("{company} requires two-factor authentication"),
        text: format!("{}\n\nSet it up: {link}\n", paragraphs.join("\n\n")),
        html: simple_html(&paragraphs, Some(("Set up two-factor authentication", &link))),
        links: vec![link],
        list_unsubscribe: None,
    }
}

/// A change to how the account signs in (password, two-factor authentication, backup
/// codes, passkeys, remembered devices): `what` says what happened, `when` (in the person's
/// timezone) and `from` (browser, system and address) where, and `wasnt_me` is the
/// account's single-use "This wasn't me" link (`credentials::wasnt_me_link`).
pub fn security_change(
    config: &RuntimeConfig,
    person: &user::Model,
    subject: &str,
    what: &str,
    when: &str,
    from: &str,
    wasnt_me: &str,
) -> Email {
    let settings = links::settings(config, "security");
    let paragraphs = [
        greeting(person),
        format!("{what} on {when}, from {from}."),
        "If this was you, there is nothing to do. If it wasn't, open \"This wasn't me\" below \
         (it works once, for 7 days): it signs your account out everywhere and asks for a new \
         password, and your firm's Kayse administrators are told."
            .to_owned(),
    ];
    Email {
        to: person.email.clone(),
        subject: subject.to_owned(),
        text: format!(
            "{}\n\nThis wasn't me: {wasnt_me}\n\nYour security settings: {settings}\n",
            paragraphs.join("\n\n")
        ),
        html: simple_html(&paragraphs, Some(("This wasn't me", wasnt_me))),
        links: vec![wasnt_me.to_owned(), settings],
        list_unsubscribe: None,
    }
}

/// Why an email was sent and how to stop it: every notification and digest email ends
/// with it, and carries the link as `List-Unsubscribe` too.
pub struct Unsubscribe {
    /// "You get this email because “New message” emails are on in your default settings."
    pub reason: String,
    /// The signed link (`links::unsubscribe`).
    pub link: String,
    /// "Turn off these emails".
    pub label: &'static str,
}

/// The footer both notification emails end with, as text and as HTML.
fn footer(config: &RuntimeConfig, unsubscribe: &Unsubscribe, choose: &str) -> (String, String) {
    let preferences = links::settings(config, "notifications");
    let text = format!(
        "{}\n{}: {}\n{choose}: {preferences}\n",
        unsubscribe.reason, unsubscribe.label, unsubscribe.link
    );
    let html = format!(
        "<p style=\"{FOOTER_STYLE}\">{}<br><a href=\"{}\">{}</a> · <a href=\"{preferences}\">{}</a></p>",
        html_escape(&unsubscribe.reason),
        html_escape(&unsubscribe.link),
        html_escape(unsubscribe.label),
        html_escape(choose),
    );
    (text, html)
}

/// One notification, by email.
pub struct NotificationFacts<'a> {
    /// "Case assigned", "Missed call", …
    pub event: &'a str,
    pub company: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub case_id: i32,
    pub unsubscribe: Unsubscribe,
}

pub fn notification(
    config: &RuntimeConfig,
    person: &user::Model,
    facts: &NotificationFacts<'_>,
) -> Email {
    let case_link = links::case(config, facts.case_id);
    let preferences = links::settings(config, "notifications");
    let paragraphs = [
        greeting(person),
        format!("{} at {}: {}.", facts.event, facts.company, facts.title),
        facts.body.to_owned(),
    ];
    let (footer_text, footer_html) =
        footer(config, &facts.unsubscribe, "Choose which notifications you get");
    let text =
        format!("{}\n\nOpen the case: {case_link}\n\n{footer_text}", paragraphs.join("\n\n"));
    let html = simple_html(&paragraphs, Some(("Open the case", &case_link)))
        .replace("</body>", &format!("{footer_html}</body>"));
    Email {
        to: person.email.clone(),
        subject: facts.title.to_owned(),
        text,
        html,
        links: vec![case_link, facts.unsubscribe.link.clone(), preferences],
        list_unsubscribe: Some(facts.unsubscribe.link.clone()),
    }
}

/// One entry of a digest: a notification's title and text.
pub struct DigestEntry<'a> {
    pub title: &'a str,
    pub body: &'a str,
}

/// A digest's notifications: company name → (case label, case id) → entries, oldest first.
pub type DigestGroups<'a> = BTreeMap<String, BTreeMap<(String, i32), Vec<DigestEntry<'a>>>>;

/// The period's notifications as one email, grouped by company and case.
pub fn digest(
    config: &RuntimeConfig,
    person: &user::Model,
    groups: &DigestGroups<'_>,
    unsubscribe: &Unsubscribe,
) -> Email {
    let count: usize = groups.values().flat_map(|cases| cases.values()).map(Vec::len).sum();
    let subject =
        format!("Your Kayse digest: {count} notification{}", if count == 1 { "" } else { "s" });
    let mut text = format!("{}\n\n", greeting(person));
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#1f2937\">",
    );
    html.push_str(&format!("<p>{}</p>", html_escape(&greeting(person))));
    let mut all_links = Vec::new();
    for (company, cases) in groups {
        text.push_str(&format!("{company}\n"));
        html.push_str(&format!("<h2 style=\"font-size:18px\">{}</h2>", html_escape(company)));
        for ((case, case_id), entries) in cases {
            let link = links::case(config, *case_id);
            text.push_str(&format!("  {case} ({link})\n"));
            html.push_str(&format!(
                "<h3 style=\"font-size:16px\"><a href=\"{link}\">{}</a></h3><ul>",
                html_escape(case)
            ));
            for entry in entries {
                text.push_str(&format!("    - {}: {}\n", entry.title, entry.body));
                html.push_str(&format!(
                    "<li><strong>{}</strong><br>{}</li>",
                    html_escape(entry.title),
                    html_escape(entry.body)
                ));
            }
            html.push_str("</ul>");
            all_links.push(link);
        }
        text.push('\n');
    }
    let (footer_text, footer_html) =
        footer(config, unsubscribe, "Choose which notifications you get, and how often");
    text.push_str(&footer_text);
    html.push_str(&footer_html);
    html.push_str("</body></html>");
    all_links.push(unsubscribe.link.clone());
    all_links.push(links::settings(config, "notifications"));
    Email {
        to: person.email.clone(),
        subject,
        text,
        html,
        links: all_links,
        list_unsubscribe: Some(unsubscribe.link.clone()),
    }
}
