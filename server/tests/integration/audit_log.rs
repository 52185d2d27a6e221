//! Company settings, Audit log (Admins): what the company's members did and what was done
//! in the company, never another company's; filtered by person and kind, paged, and
//! exported as CSV with formula-looking cells defused.

use app::backend::entities::audit_entry;
use app::company_settings::api::{
    AuditLogPage, CreateApiToken, CreatedApiToken, ListAuditLog, RevokeApiToken, SetMemberRole,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

use crate::harness::{TestApp, company_named, spawn};
use crate::members::{person, sign_in_colleague};
use crate::security_tab::overview;

async fn log(app: &TestApp, token: &str, form: &[(&str, &str)]) -> AuditLogPage {
    let reply = app.call::<ListAuditLog>(form, Some(token)).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()
}

fn has(page: &AuditLogPage, what: &str, detail: &str) -> bool {
    page.entries.iter().any(|e| e.what == what && e.detail.contains(detail))
}

#[tokio::test]
async fn the_log_holds_what_happens_in_the_company_and_nothing_of_another() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let dana = sign_in_colleague(&app, "Dana Reyes", "198.51.100.9").await;
    let priya = person(&app, "Priya Shah").await;
    let failed =
        app.sign_in_reply("priya.shah@harperlowe.example", "wrong password", "203.0.113.5").await;
    assert!(!failed.status.is_success());
    let created: CreatedApiToken =
        app.call::<CreateApiToken>(&[("name", "Front desk phones")], Some(&alex)).await.json();
    let revoked =
        app.call::<RevokeApiToken>(&[("id", &created.view.id.to_string())], Some(&alex)).await;
    assert!(revoked.status.is_success());
    let promoted = app
        .call::<SetMemberRole>(
            &[("user_id", &priya.id.to_string()), ("admin", "true")],
            Some(&alex),
        )
        .await;
    assert!(promoted.status.is_success());
    let theirs = app.call::<CreateApiToken>(&[("name", "Reyes secret phones")], Some(&dana)).await;
    assert!(theirs.status.is_success(), "{}", theirs.text());

    let harper = log(&app, &alex, &[]).await;
    assert!(has(&harper, "Signed in", ""), "{:?}", harper.entries);
    assert!(harper.entries.iter().any(|e| e.what == "Failed sign-in attempt"
        && e.who == "Priya Shah"
        && e.address == "203.0.113.5"));
    assert!(has(&harper, "API token created", "Front desk phones"));
    assert!(has(&harper, "API token revoked", "Front desk phones"));
    assert!(harper.entries.iter().any(|e| e.what == "Role changed"
        && e.who == "Alex Morgan"
        && e.about.as_deref() == Some("Priya Shah")
        && e.detail == "Made an Admin"));
    assert!(
        harper.entries.iter().all(|e| !e.detail.contains("Reyes") && e.who != "Dana Reyes"),
        "nothing of Reyes"
    );

    // Reyes's Admin sees Alex's sign-in (he works there too), nothing of what happened in Harper.
    let reyes = log(&app, &dana, &[]).await;
    assert!(reyes.entries.iter().any(|e| e.what == "Signed in" && e.who == "Alex Morgan"));
    assert!(has(&reyes, "API token created", "Reyes secret phones"));
    assert!(reyes.entries.iter().all(|e| !e.detail.contains("Front desk")
        && e.what != "Role changed"
        && e.who != "Priya Shah"));

    // Filters: one person (as actor or subject), one kind; an unknown kind is refused.
    let about_priya = log(&app, &alex, &[("person", &priya.id.to_string())]).await;
    assert!(!about_priya.entries.is_empty());
    assert!(
        about_priya
            .entries
            .iter()
            .all(|e| e.who == "Priya Shah" || e.about.as_deref() == Some("Priya Shah"))
    );
    let tokens_only = log(&app, &alex, &[("kind", "api_token_created")]).await;
    assert_eq!(tokens_only.entries.len(), 1);
    let nonsense = app.call::<ListAuditLog>(&[("kind", "drop_tables")], Some(&alex)).await;
    assert_eq!(nonsense.status, 422);

    // The member the Admin acted on sees it in their own Security tab, saying who and where.
    let priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    let own = overview(&app, &priya_token).await;
    assert!(own.activity.iter().any(|a| a.what == "Role changed"
        && a.detail.as_deref() == Some("Made an Admin, by Alex Morgan, Harper & Lowe LLP")));
    // Members see no company log.
    let marcus = sign_in_colleague(&app, "Marcus Lee", "198.51.100.8").await;
    let refused = app.call::<ListAuditLog>(&[], Some(&marcus)).await;
    assert_eq!(refused.app_error(), app::backend::scope::not_an_admin());
}

#[tokio::test]
async fn the_log_pages_through_every_entry_once_newest_first() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let harper = company_named(&app, "Harper & Lowe LLP").await;
    for i in 0..120 {
        audit_entry::ActiveModel {
            company_id: Set(harper.id),
            actor_id: Set(Some(1)),
            subject_id: Set(None),
            kind: Set("api_token_created".into()),
            detail: Set(format!("token {i}")),
            user_agent: Set(String::new()),
            client_address: Set("127.0.0.1".into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let total = audit_entry::Entity::find()
        .filter(audit_entry::Column::CompanyId.eq(harper.id))
        .count(&app.state.db)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut before: Option<i32> = None;
    loop {
        let cursor = before.map(|b| b.to_string());
        let form: Vec<(&str, &str)> = cursor.iter().map(|c| ("before", c.as_str())).collect();
        let page = log(&app, &alex, &form).await;
        assert!(page.entries.len() <= 50);
        seen.extend(page.entries.iter().map(|e| e.id));
        match page.older {
            Some(older) => before = Some(older),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, none twice");
}

#[tokio::test]
async fn the_csv_export_is_the_filtered_log_with_formulas_defused() {
    let app = spawn().await;
    let alex = app.sign_in_demo().await;
    let dana = sign_in_colleague(&app, "Dana Reyes", "198.51.100.9").await;
    let theirs = app.call::<CreateApiToken>(&[("name", "Reyes secret phones")], Some(&dana)).await;
    assert!(theirs.status.is_success());
    // A name chosen to run as a formula in a spreadsheet.
    let priya = person(&app, "Priya Shah").await;
    let mut row = priya.clone().into_active_model();
    row.full_name = Set("=HYPERLINK(\"https://evil.example\",\"Click\")".into());
    row.update(&app.state.db).await.unwrap();
    let promoted = app
        .call::<SetMemberRole>(
            &[("user_id", &priya.id.to_string()), ("admin", "true")],
            Some(&alex),
        )
        .await;
    assert!(promoted.status.is_success());

    let csv = app.get("/company/audit-log.csv", Some(&alex)).await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.header("cache-control").as_deref(), Some("no-store"));
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"audit-log-harper-lowe-llp-"))
    );
    let text = csv.text();
    assert!(text.starts_with(
        "Time (UTC),Time (yours),Event,Person,Member affected,Detail,Device,Address\r\n"
    ));
    assert!(text.contains("Role changed,Alex Morgan,\"'=HYPERLINK("), "{text}");
    assert!(!text.contains("Reyes secret phones"));
    assert!(text.contains("Signed in,Alex Morgan"));

    let filtered = app.get("/company/audit-log.csv?kind=role_changed", Some(&alex)).await.text();
    assert_eq!(filtered.lines().count(), 2, "the header and the one role change: {filtered}");

    let marcus = sign_in_colleague(&app, "Marcus Lee", "198.51.100.8").await;
    let refused = app.get("/company/audit-log.csv", Some(&marcus)).await;
    assert_eq!(refused.status, 409);
    let signed_out = app.get("/company/audit-log.csv", None).await;
    assert!(signed_out.status.is_redirection());
}

#[tokio::test]
async fn every_admin_action_on_members_is_logged_in_that_company_only() {
    use app::company_settings::api::{
        RemoveMember, ResetMemberTwoFactor, SignOutAllMembers, SignOutMember,
    };
    let app = spawn().await;
    let mut alex = app.sign_in_demo().await;
    let dana = sign_in_colleague(&app, "Dana Reyes", "198.51.100.9").await;
    let mut priya_token = sign_in_colleague(&app, "Priya Shah", "198.51.100.7").await;
    crate::security_tab::enable_two_factor(&app, &mut priya_token).await;
    crate::security_tab::enable_two_factor(&app, &mut alex).await;
    let priya = person(&app, "Priya Shah").await.id.to_string();
    let marcus = person(&app, "Marcus Lee").await.id.to_string();
    for reply in [
        app.call::<SignOutMember>(&[("user_id", &priya)], Some(&alex)).await,
        app.call::<ResetMemberTwoFactor>(&[("user_id", &priya)], Some(&alex)).await,
        app.call::<RemoveMember>(&[("user_id", &marcus)], Some(&alex)).await,
        app.call::<SignOutAllMembers>(
            &[("password", crate::harness::DEMO_PASSWORD), ("confirmation", "Harper & Lowe LLP")],
            Some(&alex),
        )
        .await,
    ] {
        assert!(reply.status.is_success(), "{}", reply.text());
    }
    let harper = log(&app, &alex, &[]).await;
    for (what, about) in [
        ("Signed out everywhere by an Admin", Some("Priya Shah")),
        ("Two-factor authentication reset by an Admin", Some("Priya Shah")),
        ("Removed from the company", Some("Marcus Lee")),
        ("All members signed out", None),
        ("Two-factor authentication turned on", None),
    ] {
        assert!(
            harper.entries.iter().any(|e| e.what == what && e.about.as_deref() == about),
            "{what} missing: {:?}",
            harper.entries
        );
    }
    let reyes = log(&app, &dana, &[]).await;
    assert!(
        reyes.entries.iter().all(|e| e.about.is_none() && e.what != "All members signed out"),
        "Harper's actions stay in Harper: {:?}",
        reyes.entries
    );
}
