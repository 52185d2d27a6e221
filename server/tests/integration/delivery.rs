//! Email delivery through a real SMTP server on loopback (mailin-embedded, started here):
//! what arrives, retries and final failure, a worker that dies after claiming, two workers
//! at once, quiet hours and the digest.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use app::backend::AppState;
use app::backend::entities::{case, company, notification_delivery as delivery, user};
use app::backend::mail::{Mailer, SmtpSecurity, SmtpSettings};
use app::notifications::api::SettingsScope;
use app::notifications::delivery::{self as worker, LEASE};
use app::notifications::dispatcher::{self, Occurrence};
use app::notifications::events::{Digest, Event, Method};
use app::notifications::server as preferences;
use chrono::{DateTime, SubsecRound, Timelike, Utc};
use chrono_tz::Tz;
use mail_parser::MessageParser;
use mailin_embedded::{Handler, Response, Server, response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{TestApp, spawn};

#[derive(Clone, Debug)]
struct Received {
    to: Vec<String>,
    data: String,
}

/// The SMTP server's side: what it received, and how many messages to refuse first.
#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// The message of this connection (each connection gets its own clone).
    current: Option<Received>,
    refuse_temporarily: Arc<AtomicUsize>,
    refuse_permanently: Arc<AtomicUsize>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received { to: to.to_vec(), data: String::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = self.current.as_mut() {
            current.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn rcpt(&mut self, _to: &str) -> Response {
        // Refusing the recipient is how real servers answer "try later" (451) or "no such
        // mailbox" (550).
        if self.refuse_permanently.load(Ordering::SeqCst) > 0 {
            self.refuse_permanently.fetch_sub(1, Ordering::SeqCst);
            return response::NO_MAILBOX;
        }
        if self.refuse_temporarily.load(Ordering::SeqCst) > 0 {
            self.refuse_temporarily.fetch_sub(1, Ordering::SeqCst);
            return response::INTERNAL_ERROR;
        }
        response::OK
    }

    fn data_end(&mut self) -> Response {
        if let Some(message) = self.current.take() {
            self.received.lock().unwrap().push(message);
        }
        response::OK
    }
}

impl Inbox {
    fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A received message, decoded as a mail client would.
struct Decoded {
    subject: String,
    text: String,
    html: String,
}

fn decode(message: &Received) -> Decoded {
    let parsed = MessageParser::default().parse(message.data.as_bytes()).expect("a valid message");
    Decoded {
        subject: parsed.subject().unwrap_or_default().to_owned(),
        text: parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: parsed.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
    }
}

/// Starts an SMTP server on a free loopback port and returns the app state sending to it.
fn smtp(app: &TestApp) -> (AppState, Inbox) {
    let inbox = Inbox::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(inbox.clone());
    server.with_name("smtp.kayse.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
    };
    let mailer = Mailer::smtp(&settings, "Kayse <notifications@kayse.test>").unwrap();
    (app.state.with(|shared| shared.mailer = mailer), inbox)
}

async fn person(app: &TestApp, name: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::FullName.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn case_numbered(app: &TestApp, number: &str) -> case::Model {
    case::Entity::find()
        .filter(case::Column::Number.eq(number))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A notification for `recipient` on `case`, with email on for its event.
async fn notify(
    app: &TestApp,
    recipient: &user::Model,
    case: &case::Model,
    event: Event,
    title: &str,
) -> i32 {
    preferences::set(
        &app.state.db,
        recipient.id,
        SettingsScope::Defaults,
        event,
        Method::Email,
        true,
    )
    .await
    .unwrap();
    let occurrence = Occurrence::for_person(
        case.company_id,
        event,
        case,
        recipient.id,
        None,
        title.into(),
        "The details of it.".into(),
    );
    dispatcher::dispatch(&app.state.db, &occurrence).await.unwrap()[0].notification_id
}

async fn delivery_of(app: &TestApp, notification_id: i32) -> delivery::Model {
    delivery::Entity::find()
        .filter(delivery::Column::NotificationId.eq(notification_id))
        .filter(delivery::Column::Method.eq("email"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_notification_email_arrives_with_its_subject_body_and_links() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    let id = notify(
        &app,
        &priya,
        &chen,
        Event::CaseAssigned,
        "Case assigned: HL-2026-030 · Chen Immigration Petition",
    )
    .await;

    let report = worker::run_pass(&state, Utc::now()).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let messages = inbox.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, vec![priya.email.clone()]);
    let message = decode(&messages[0]);
    assert_eq!(message.subject, "Case assigned: HL-2026-030 · Chen Immigration Petition");
    let case_link = format!("http://kayse.test:3000/cases/{}", chen.id);
    for body in [&message.text, &message.html] {
        assert!(body.contains(&case_link), "a link to the case: {body}");
        assert!(
            body.contains("http://kayse.test:3000/settings/notifications"),
            "a link to the preferences: {body}"
        );
        assert!(body.contains("The details of it."), "{body}");
    }
    assert!(message.html.contains("Open the case"));
    let row = delivery_of(&app, id).await;
    assert_eq!(row.status, "sent");
    assert!(row.sent_at.is_some());

    // Sent is sent: later passes never send it again.
    worker::run_pass(&state, Utc::now() + chrono::Duration::hours(2)).await.unwrap();
    assert_eq!(inbox.messages().len(), 1);
}

#[tokio::test]
async fn temporary_failures_are_retried_with_backoff_and_permanent_ones_fail() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    let id = notify(&app, &priya, &chen, Event::CaseAssigned, "Case assigned: HL-2026-030").await;
    inbox.refuse_temporarily.store(2, Ordering::SeqCst);
    // PostgreSQL keeps microseconds: compare at that precision.
    let t0 = Utc::now().trunc_subsecs(6);

    assert_eq!(worker::run_pass(&state, t0).await.unwrap().retried, 1);
    let row = delivery_of(&app, id).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.last_error.as_deref().unwrap_or_default().contains("451"), "{:?}", row.last_error);
    assert_eq!(row.next_attempt_at, t0 + chrono::Duration::seconds(30));
    assert_eq!(
        worker::run_pass(&state, t0 + chrono::Duration::seconds(10)).await.unwrap(),
        worker::PassReport::default(),
        "not before its time"
    );
    assert_eq!(
        worker::run_pass(&state, t0 + chrono::Duration::seconds(31)).await.unwrap().retried,
        1
    );
    let row = delivery_of(&app, id).await;
    assert_eq!(
        row.next_attempt_at,
        t0 + chrono::Duration::seconds(31) + chrono::Duration::seconds(60),
        "the wait doubles"
    );
    assert_eq!(worker::run_pass(&state, t0 + chrono::Duration::seconds(95)).await.unwrap().sent, 1);
    assert_eq!(inbox.messages().len(), 1);

    // A permanent refusal (550) ends the delivery at once, as failed.
    let other = notify(&app, &priya, &chen, Event::CaseAssigned, "Case assigned again").await;
    inbox.refuse_permanently.store(1, Ordering::SeqCst);
    assert_eq!(worker::run_pass(&state, Utc::now()).await.unwrap().failed, 1);
    let row = delivery_of(&app, other).await;
    assert_eq!(row.status, "failed");
    assert!(
        worker::run_pass(&state, Utc::now() + chrono::Duration::days(1)).await.unwrap()
            == worker::PassReport::default()
    );
}

#[tokio::test]
async fn a_delivery_claimed_by_a_worker_that_died_is_sent_once_after_the_lease() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    let id = notify(&app, &priya, &chen, Event::CaseAssigned, "Case assigned: HL-2026-030").await;
    let t0 = Utc::now();
    // A worker claims it, then dies before sending.
    assert!(
        worker::claim(&state, &worker::Pass::new(t0), delivery_of(&app, id).await.id)
            .await
            .unwrap()
    );
    assert_eq!(
        worker::run_pass(&state, t0 + chrono::Duration::minutes(1)).await.unwrap().sent,
        0,
        "still claimed"
    );
    assert_eq!(
        worker::run_pass(&state, t0 + LEASE + chrono::Duration::seconds(1)).await.unwrap().sent,
        1
    );
    worker::run_pass(&state, t0 + LEASE * 3).await.unwrap();
    assert_eq!(inbox.messages().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_the_same_delivery() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    for i in 0..12 {
        notify(&app, &priya, &chen, Event::CaseAssigned, &format!("Case assigned #{i}")).await;
    }
    let now = Utc::now();
    let (a, b) = tokio::join!(worker::run_pass(&state, now), worker::run_pass(&state, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 12, "{a:?} {b:?}");
    let mut subjects: Vec<String> = inbox.messages().iter().map(|m| decode(m).subject).collect();
    assert_eq!(subjects.len(), 12);
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 12, "no message twice");
}

#[tokio::test]
async fn a_pass_that_renews_its_claims_keeps_them_past_the_first_lease() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    let id = notify(&app, &priya, &chen, Event::CaseAssigned, "Case assigned: HL-2026-030").await;
    let t0 = Utc::now();
    let slow = worker::Pass::new(t0);
    assert!(worker::claim(&state, &slow, delivery_of(&app, id).await.id).await.unwrap());
    // Still working four minutes later: the pass renews its claim.
    let renewed_at = t0 + chrono::Duration::minutes(4);
    assert_eq!(slow.renew_at(&state, renewed_at).await.unwrap(), 1);
    let after_first_lease = t0 + LEASE + chrono::Duration::seconds(1);
    assert_eq!(worker::run_pass(&state, after_first_lease).await.unwrap().sent, 0, "still held");
    assert!(inbox.messages().is_empty());
    // Renewals stop (the worker died): the next lease runs out and another pass sends it.
    let after_renewed_lease = renewed_at + LEASE + chrono::Duration::seconds(1);
    assert_eq!(worker::run_pass(&state, after_renewed_lease).await.unwrap().sent, 1);
    assert_eq!(slow.renew_at(&state, after_renewed_lease).await.unwrap(), 0, "claim lost");
    assert_eq!(inbox.messages().len(), 1);
}

#[tokio::test]
async fn two_workers_on_each_of_two_instances_send_every_delivery_once() {
    let app = spawn().await;
    let (a, inbox) = smtp(&app);
    let other = app.another_instance().await;
    let b = other.state.with(|shared| shared.mailer = a.mailer.clone());
    let priya = person(&app, "Priya Shah").await;
    let chen = case_numbered(&app, "HL-2026-030").await;
    for i in 0..30 {
        notify(&app, &priya, &chen, Event::CaseAssigned, &format!("Case assigned #{i}")).await;
    }
    let now = Utc::now();
    let (a1, a2, b1, b2) = tokio::join!(
        worker::run_pass(&a, now),
        worker::run_pass(&a, now),
        worker::run_pass(&b, now),
        worker::run_pass(&b, now)
    );
    let sent: usize = [a1, a2, b1, b2].into_iter().map(|r| r.unwrap().sent).sum();
    assert_eq!(sent, 30);
    let mut subjects: Vec<String> = inbox.messages().iter().map(|m| decode(m).subject).collect();
    assert_eq!(subjects.len(), 30);
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 30, "no message twice");
}

/// The minutes after local midnight of `at` in `tz`, rounded down to the half hour.
fn local_half_hour(at: DateTime<Utc>, tz: Tz) -> i32 {
    let local = at.with_timezone(&tz);
    (local.hour() as i32 * 60 + local.minute() as i32) / 30 * 30
}

#[tokio::test]
async fn quiet_hours_hold_email_until_they_end_and_in_app_is_never_held() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let priya = person(&app, "Priya Shah").await;
    let tz: Tz = priya.timezone.parse().unwrap();
    let now = Utc::now();
    let start = local_half_hour(now, tz);
    let end = (start + 120) % (24 * 60);
    preferences::set_quiet_hours(&app.state.db, priya.id, Some((start, end))).await.unwrap();
    let chen = case_numbered(&app, "HL-2026-030").await;
    let id =
        notify(&app, &priya, &chen, Event::CaseAssigned, "Case assigned during quiet hours").await;
    let now = now + chrono::Duration::seconds(1);

    let report = worker::run_pass(&state, now).await.unwrap();
    assert_eq!((report.sent, report.held), (0, 1));
    let held = delivery_of(&app, id).await;
    assert_eq!(held.status, "pending");
    assert_eq!(held.attempts, 0, "waiting is not a failed attempt");
    let ends = held.next_attempt_at;
    assert_eq!(local_half_hour(ends, tz), end, "held until the end of the window, local time");
    assert!(ends > now && ends <= now + chrono::Duration::hours(2));
    // The in-app notification is there already.
    let stored = app::backend::entities::notification::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.in_app);

    assert_eq!(
        worker::run_pass(&state, ends - chrono::Duration::seconds(1)).await.unwrap().sent,
        0
    );
    assert_eq!(worker::run_pass(&state, ends).await.unwrap().sent, 1);
    assert_eq!(inbox.messages().len(), 1);
}

#[tokio::test]
async fn a_digest_sends_one_email_per_period_grouped_by_company_and_case() {
    let app = spawn().await;
    let (state, inbox) = smtp(&app);
    let alex = person(&app, "Alex Morgan").await;
    preferences::set_email_digest(&app.state.db, alex.id, Digest::Hourly).await.unwrap();
    let smith = case_numbered(&app, "HL-2026-014").await;
    let garcia = case_numbered(&app, "HL-2025-188").await;
    let okafor = case_numbered(&app, "RLG-114").await;
    let first = notify(&app, &alex, &smith, Event::NewMessage, "New message on HL-2026-014").await;
    notify(&app, &alex, &smith, Event::MissedCall, "Missed call on HL-2026-014").await;
    notify(&app, &alex, &garcia, Event::NewMessage, "New message on HL-2025-188").await;
    notify(&app, &alex, &okafor, Event::NewMessage, "New message on RLG-114").await;

    let now = Utc::now();
    let report = worker::run_pass(&state, now).await.unwrap();
    assert_eq!((report.sent, report.held), (0, 4));
    let period_end = delivery_of(&app, first).await.next_attempt_at;
    let tz: Tz = alex.timezone.parse().unwrap();
    assert_eq!(period_end.with_timezone(&tz).minute(), 0, "an hourly digest goes out on the hour");
    assert!(period_end > now && period_end <= now + chrono::Duration::hours(1));

    let report = worker::run_pass(&state, period_end).await.unwrap();
    assert_eq!(report.sent, 4, "{report:?}");
    let messages = inbox.messages();
    assert_eq!(messages.len(), 1, "one email for the period");
    let digest = decode(&messages[0]);
    assert_eq!(digest.subject, "Your Kayse digest: 4 notifications");
    let harper = company::Entity::find()
        .filter(company::Column::Name.eq("Harper & Lowe LLP"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // Grouped: each company once, each case once.
    let text = &digest.text;
    assert!(
        digest.html.contains("<h2 style=\"font-size:18px\">Harper &amp; Lowe LLP</h2>"),
        "{}",
        digest.html
    );
    assert_eq!(text.matches(&harper.name).count(), 1, "{text}");
    assert_eq!(text.matches("Reyes Legal Group").count(), 1);
    assert_eq!(text.matches("HL-2026-014 · Smith v. Ridgeway Logistics").count(), 1);
    assert!(text.find("Harper").unwrap() < text.find("HL-2026-014 ·").unwrap());
    assert!(text.find("Reyes Legal Group").unwrap() < text.find("RLG-114 ·").unwrap());
    assert!(
        worker::run_pass(&state, period_end + chrono::Duration::hours(2)).await.unwrap()
            == worker::PassReport::default()
    );
}
