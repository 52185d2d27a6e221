//! Every background job of the server, started in one place: the email/push delivery
//! worker, the task-due scheduler, the escalation of unseen alerts, the cleanup of expired sessions, idle limiter counts
//! and relayed live events, and the reminders of a company's coming 2FA requirement. Each
//! runs a pass at a
//! fixed period for as long as the server runs, and logs its own outcome.

use std::time::Duration;

use chrono::Utc;

use app::backend::AppState;
use app::backend::every::every;
use app::backend::session_store;
use app::notifications::{delivery, escalation, scheduler};

/// How often expired sessions are deleted (they already stop working on sight).
const SESSION_CLEANUP_INTERVAL: Duration = Duration::from_secs(600);
/// How often members are reminded of a company's coming 2FA requirement (each once).
const TWO_FACTOR_REMINDER_INTERVAL: Duration = Duration::from_secs(900);

pub fn spawn_all(state: &AppState) {
    let deliveries = state.clone();
    every(delivery::PASS_INTERVAL, move || {
        let state = deliveries.clone();
        async move {
            match delivery::run_pass(&state, Utc::now()).await {
                Ok(report) if report != delivery::PassReport::default() => {
                    tracing::info!(?report, "notification deliveries")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(?err, "the delivery pass failed"),
            }
        }
    });

    let deadlines = state.clone();
    every(scheduler::PASS_INTERVAL, move || {
        let state = deadlines.clone();
        async move {
            match scheduler::run_pass(&state, Utc::now()).await {
                Ok(done) if !done.is_empty() => {
                    tracing::info!(notified = done.len(), "task deadlines announced")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(?err, "the task-due pass failed"),
            }
        }
    });

    let alerts = state.clone();
    every(escalation::PASS_INTERVAL, move || {
        let state = alerts.clone();
        async move {
            match escalation::run_pass(&state, Utc::now()).await {
                Ok(sent) if !sent.is_empty() => {
                    tracing::info!(notified = sent.len(), "unseen alerts escalated")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(?err, "the escalation pass failed"),
            }
        }
    });

    let pages = state.clone();
    every(crate::live::RECHECK_EVERY, move || {
        let state = pages.clone();
        async move {
            if let Err(err) = crate::live::recheck_open_sessions(&state).await {
                tracing::warn!(?err, "re-checking the open pages' sessions failed");
            }
        }
    });

    let sessions = state.clone();
    every(SESSION_CLEANUP_INTERVAL, move || {
        let state = sessions.clone();
        async move {
            match session_store::delete_expired(&state.db, &state.config).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired sessions deleted"),
                Err(err) => tracing::warn!(?err, "deleting expired sessions failed"),
            }
            match app::backend::live::delete_old_events(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "relayed live events deleted"),
                Err(err) => tracing::warn!(?err, "deleting relayed live events failed"),
            }
            match app::backend::credentials::delete_old_reset_links(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old password reset links deleted"),
                Err(err) => tracing::warn!(?err, "deleting old password reset links failed"),
            }
            match app::backend::remembered_devices::delete_expired(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired remembered devices deleted"),
                Err(err) => tracing::warn!(?err, "deleting expired remembered devices failed"),
            }
            let retention = state.config.notification_retention;
            match app::notifications::inbox::delete_old(&state.db, retention, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "notifications past their retention deleted"),
                Err(err) => tracing::warn!(?err, "deleting old notifications failed"),
            }
            match app::backend::throttle::delete_idle(&state.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "idle limiter counts deleted"),
                Err(err) => tracing::warn!(?err, "deleting idle limiter counts failed"),
            }
        }
    });

    let reminders = state.clone();
    every(TWO_FACTOR_REMINDER_INTERVAL, move || {
        let state = reminders.clone();
        async move {
            match app::company_settings::policy::send_due_reminders(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "2FA requirement reminders sent"),
                Err(err) => tracing::warn!(?err, "sending 2FA reminders failed"),
            }
        }
    });
}
