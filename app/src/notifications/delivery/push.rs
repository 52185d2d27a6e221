//! The push side of the delivery worker: the message a push carries, and one delivery sent
//! to each of the person's devices that has not had it yet.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Pass, PassReport, STATUS_SKIPPED, mark_failed_attempt, mark_sent, set_status};
use crate::backend::AppState;
use crate::backend::entities::notification_delivery as delivery;
use crate::backend::entities::{notification, push_receipt, push_subscription};
use crate::error::AppError;

/// What a push carries (encrypted end to end to the device): the service worker shows
/// `title` and `body`, and opens `url` on a click. `tag` makes a repeated push replace,
/// not add to, the one already shown.
fn push_message(item: &notification::Model, company: &str) -> Vec<u8> {
    let mut body: String = format!("{company}: {}", item.body);
    loop {
        let message = serde_json::json!({
            "title": item.title,
            "body": body,
            "url": format!("/cases/{}", item.case_id),
            "tag": format!("kayse-notification-{}", item.id),
        })
        .to_string()
        .into_bytes();
        if message.len() <= crate::backend::push::crypto::MAX_PLAINTEXT || body.is_empty() {
            return message;
        }
        // Too long for one push: shorten the quoted text, keep the title and link.
        let keep = body.chars().count().saturating_sub(200);
        body = body.chars().take(keep).collect::<String>();
        if keep > 0 {
            body.push('…');
        }
    }
}

/// Sends a push delivery to each of the person's devices that has not had it yet.
pub(super) async fn deliver_push(
    state: &AppState,
    row: &delivery::Model,
    item: &notification::Model,
    pass: &Pass,
    report: &mut PassReport,
) -> Result<(), AppError> {
    use crate::backend::push::sender::PushOutcome;
    let now = pass.now;
    let devices = push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(item.user_id))
        .order_by_asc(push_subscription::Column::Id)
        .all(&state.db)
        .await?;
    let already: Vec<i32> = push_receipt::Entity::find()
        .filter(push_receipt::Column::DeliveryId.eq(row.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| r.subscription_id)
        .collect();
    let company = crate::backend::scope::company_name(&state.db, item.company_id).await?;
    let message = push_message(item, &company);
    // Receipts go with their device (on delete cascade): each one left is a device that took it.
    let mut accepted = already.len();
    let mut temporary = Vec::new();
    let mut permanent = Vec::new();
    for device in devices.iter().filter(|d| !already.contains(&d.id)) {
        match state.push.send(device, &message, now).await {
            PushOutcome::Accepted => {
                accepted += 1;
                push_receipt::ActiveModel {
                    delivery_id: sea_orm::Set(row.id),
                    subscription_id: sea_orm::Set(device.id),
                    created_at: sea_orm::Set(now),
                    ..Default::default()
                }
                .insert(&state.db)
                .await?;
                push_subscription::Entity::update_many()
                    .col_expr(
                        push_subscription::Column::LastSuccessAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(push_subscription::Column::Id.eq(device.id))
                    .exec(&state.db)
                    .await?;
            }
            PushOutcome::Gone => {
                tracing::info!(
                    subscription_id = device.id,
                    "the push service says this device is gone; removing it"
                );
                push_subscription::Entity::delete_by_id(device.id).exec(&state.db).await?;
            }
            PushOutcome::Retry(error) => temporary.push(format!("{}: {error}", device.device_name)),
            PushOutcome::Refused(error) => {
                tracing::warn!(subscription_id = device.id, error, "a push service refused a push");
                permanent.push(format!("{}: {error}", device.device_name));
            }
        }
    }
    if !temporary.is_empty() {
        // The devices that took it have receipts; the retry goes only to the others.
        if mark_failed_attempt(state, pass, row, &temporary.join("; "), false).await? {
            report.failed += 1;
        } else {
            report.retried += 1;
        }
    } else if accepted > 0 {
        mark_sent(state, pass, row.id).await?;
        report.sent += 1;
    } else if !permanent.is_empty() {
        mark_failed_attempt(state, pass, row, &permanent.join("; "), true).await?;
        report.failed += 1;
    } else {
        set_status(
            state,
            pass,
            row.id,
            vec![
                (delivery::Column::Status, STATUS_SKIPPED.into()),
                (
                    delivery::Column::LastError,
                    Some("no device has push turned on".to_owned()).into(),
                ),
            ],
        )
        .await?;
        report.skipped += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn notification(body: &str) -> notification::Model {
        notification::Model {
            id: 7,
            company_id: 1,
            user_id: 1,
            event: "new_message".into(),
            case_id: 12,
            task_id: None,
            title: "New message: HL-2026-014 · Smith v. Ridgeway Logistics".into(),
            body: body.into(),
            in_app: true,
            alert_id: None,
            read_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_push_message_fits_one_push_keeping_title_and_link() {
        let short: serde_json::Value = serde_json::from_slice(&push_message(
            &notification("Can we talk?"),
            "Harper & Lowe LLP",
        ))
        .unwrap();
        assert_eq!(short["body"], "Harper & Lowe LLP: Can we talk?");
        assert_eq!(short["url"], "/cases/12");
        assert_eq!(short["tag"], "kayse-notification-7");

        // A long transcript, in a script that takes 3 bytes a character in UTF-8.
        let long = push_message(&notification(&"話".repeat(5_000)), "Harper & Lowe LLP");
        assert!(long.len() <= crate::backend::push::crypto::MAX_PLAINTEXT, "{}", long.len());
        let long: serde_json::Value = serde_json::from_slice(&long).unwrap();
        assert_eq!(long["title"], "New message: HL-2026-014 · Smith v. Ridgeway Logistics");
        assert_eq!(long["url"], "/cases/12");
        let body = long["body"].as_str().unwrap();
        assert!(body.starts_with("Harper & Lowe LLP: 話") && body.ends_with('…'), "{body}");
    }
}
