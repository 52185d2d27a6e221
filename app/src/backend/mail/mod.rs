//! The one mailer of the app. In development every message is written to an outbox folder
//! (an `.eml` to open in a mail client and a `.json` for tests) and its subject and where
//! its links lead are logged (never their tokens); with SMTP settings it goes out through lettre. What each message says is
//! in `messages.rs`, and every link it carries is built by `links.rs`.

pub mod links;
pub mod messages;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

use crate::error::AppError;

#[derive(Clone, Debug, Serialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The links in the message, logged in development so no mail client is needed.
    pub links: Vec<String>,
    /// A signed one-click unsubscribe link (RFC 8058), sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post`: notification and digest emails carry one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_unsubscribe: Option<String>,
}

#[derive(Clone, Debug)]
pub enum SmtpSecurity {
    /// Implicit TLS (port 465).
    Tls,
    /// STARTTLS upgrade (port 587).
    StartTls,
    /// Plain text: only for a relay on the same machine.
    None,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
}

enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Arc<Transport>,
    from: Mailbox,
    sequence: Arc<AtomicU64>,
}

impl Mailer {
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self, String> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the outbox {}: {e}", dir.display()))?;
        Ok(Mailer {
            transport: Arc::new(Transport::Outbox(dir)),
            from: parse_from(from)?,
            sequence: Arc::default(),
        })
    }

    pub fn smtp(settings: &SmtpSettings, from: &str) -> Result<Self, String> {
        let builder = match settings.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            }
            SmtpSecurity::None => {
                Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host))
            }
        }
        .map_err(|e| format!("SMTP settings: {e}"))?;
        // A server that stops answering must not hold a delivery worker for long.
        let mut builder =
            builder.port(settings.port).timeout(Some(std::time::Duration::from_secs(30)));
        if let (Some(user), Some(pass)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(Mailer {
            transport: Arc::new(Transport::Smtp(builder.build())),
            from: parse_from(from)?,
            sequence: Arc::default(),
        })
    }

    pub async fn send(&self, email: Email) -> Result<(), AppError> {
        self.send_checked(email)
            .await
            .map_err(|failure| AppError::internal("sending mail", failure.message))
    }

    /// Sends, and on failure says whether trying again could help (an SMTP 5xx answer, or
    /// a message that cannot be built, will not).
    pub async fn send_checked(&self, email: Email) -> Result<(), SendFailure> {
        let permanent = |message: String| SendFailure { message, permanent: true };
        let to: Mailbox =
            email.to.parse().map_err(|e| permanent(format!("mail recipient: {e}")))?;
        let mut builder =
            Message::builder().from(self.from.clone()).to(to).subject(email.subject.clone());
        if let Some(link) = &email.list_unsubscribe {
            // RFC 2369 and RFC 8058: the mail client offers "Unsubscribe" and POSTs
            // `List-Unsubscribe=One-Click` to the link, without the person signing in.
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
            .map_err(|e| permanent(format!("building a message: {e}")))?;
        match self.transport.as_ref() {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| SendFailure {
                    permanent: e.is_permanent(),
                    message: format!("SMTP: {e}"),
                })?;
                tracing::info!(to = %email.to, subject = %email.subject, "mail sent over SMTP");
            }
            Transport::Outbox(dir) => {
                let temporary = |message: String| SendFailure { message, permanent: false };
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3f");
                let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
                let base = dir.join(format!("{stamp}-{seq:04}"));
                let json = serde_json::to_vec_pretty(&email)
                    .map_err(|e| permanent(format!("outbox json: {e}")))?;
                tokio::fs::write(base.with_extension("eml"), message.formatted())
                    .await
                    .map_err(|e| temporary(format!("writing to the outbox: {e}")))?;
                tokio::fs::write(base.with_extension("json"), json)
                    .await
                    .map_err(|e| temporary(format!("writing to the outbox: {e}")))?;
                // The links carry single-use tokens: the outbox keeps them, the log only
                // says where they lead.
                let paths: Vec<&str> = email.links.iter().map(|l| without_query(l)).collect();
                tracing::info!(to = %email.to, subject = %email.subject, links = ?paths, "mail written to the outbox");
            }
        }
        Ok(())
    }
}

/// A link without its query string and fragment, where tokens travel.
fn without_query(link: &str) -> &str {
    link.split(['?', '#']).next().unwrap_or_default()
}

/// Why a message was not sent.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub message: String,
    /// Retrying cannot help.
    pub permanent: bool,
}

fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse().map_err(|e| format!("mail sender {from:?}: {e}"))
}

/// Escapes text for an HTML body.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain, readable HTML version of a message: paragraphs, then an optional button link.
pub fn simple_html(paragraphs: &[String], action: Option<(&str, &str)>) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#1f2937\">",
    );
    for p in paragraphs {
        html.push_str("<p>");
        html.push_str(&html_escape(p));
        html.push_str("</p>");
    }
    if let Some((label, url)) = action {
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{}</a></p>",
            html_escape(url),
            html_escape(label)
        ));
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<b>\"A&B\"</b>"), "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;");
        let html = simple_html(&["<script>".into()], Some(("Go", "https://x/?a=1&b=2")));
        assert!(html.contains("&lt;script&gt;") && html.contains("a=1&amp;b=2"));
    }

    #[tokio::test]
    async fn the_outbox_keeps_the_message_and_its_links() {
        let dir = std::env::temp_dir()
            .join(format!("kayse-outbox-test-{}", crate::backend::tokens::new_token()));
        let mailer = Mailer::outbox(dir.clone(), "Kayse <no-reply@kayse.test>").unwrap();
        mailer
            .send(Email {
                to: "someone@example.com".into(),
                subject: "Hello".into(),
                text: "Open https://x/y".into(),
                html: simple_html(&["Open".into()], Some(("Open", "https://x/y"))),
                links: vec!["https://x/y".into()],
                list_unsubscribe: Some("https://x/unsubscribe?link=abc".into()),
            })
            .await
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 2);
        let json = files.iter().find(|p| p.extension().unwrap() == "json").unwrap();
        let body = std::fs::read_to_string(json).unwrap();
        assert!(body.contains("someone@example.com") && body.contains("https://x/y"));
        let eml = files.iter().find(|p| p.extension().unwrap() == "eml").unwrap();
        let message = std::fs::read_to_string(eml).unwrap();
        assert!(message.contains("List-Unsubscribe: <https://x/unsubscribe?link=abc>\r\n"));
        assert!(message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
