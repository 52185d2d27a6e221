//! Company isolation. Every server function is classified here as company-scoped or not;
//! each company-scoped one is called with another company's ids and must neither return
//! nor change anything of them. A server function added without being classified, or a
//! scoped one without a check below, fails these tests.

use std::collections::BTreeSet;

use app::auth::api::{
    BeginPasskeySecondStep, BeginPasskeySignIn, CheckResetLink, FinishPasskeySecondStep,
    FinishPasskeySignIn, GetSecondStepOptions, RequestPasswordReset, ResetPassword, SignIn,
    SignOut, VerifySignIn,
};
use app::backend::entities::{api_token, case, company, notification, task, user};
use app::cases::api::{
    AssignCase, CaseCompany, CaseSummary, CompleteTask, GetCase, ListCases, MyTasks,
    SwitchToCaseCompany, TaskView, UpdateCaseDetails,
};
use app::company_settings::api::{
    AuditLogPage, CompanyMembers, CompanyTokens, CreateApiToken, CreatedApiToken, EscalationView,
    GetEscalationPolicy, GetSecurityPolicy, ListApiTokens, ListAuditLog, ListMembers, RemoveMember,
    ResetMemberTwoFactor, RevokeApiToken, SaveEscalationPolicy, SaveSecurityPolicy,
    SecurityPolicyView, SetMemberRole, SignOutAllMembers, SignOutMember,
};
use app::error::AppError;
use app::notifications::api::{
    CheckUnsubscribeLink, CustomizeNotifications, GetNotificationCenter,
    GetNotificationPreferences, MarkAllNotificationsRead, MarkNotificationRead,
    MarkNotificationUnread, NotificationCenter, SendTestNotification, SetEmailDigest,
    SetNotificationFilters, SetNotificationPreference, SetQuietHours, SetTaskDueLead,
    SetUrgentDuringQuietHours, UnreadNotificationCount, UnsubscribeByLink,
    UseDefaultNotificationSettings,
};
use app::notifications::push::api::{
    GetPushSetup, RemovePushDevice, SavePushSubscription, SendTestPush,
};
use app::profile::api::{
    CancelEmailChange, CancelEmailChangeByLink, ConfirmEmailChange, GetProfile, ListTimezones,
    RequestEmailChange, ResendEmailChange, SaveProfile,
};
use app::security::api::{
    BeginPasskeyRegistration, BeginTwoFactor, ChangePassword, CheckWasntMeLink, ConfirmTwoFactor,
    DisableTwoFactor, FinishPasskeyRegistration, ForgetAllRememberedDevices,
    ForgetRememberedDevice, GetSecurityOverview, RegenerateBackupCodes, RemovePasskey,
    RenamePasskey, SecureAccountByLink, SecureMyAccount, SignOutOtherDevices,
};
use app::sessions::api::{EndOtherSessions, EndSession, ListSessions};
use app::shell::api::CurrentAccount;
use app::shell::api::{CompanyUnreadCounts, DismissSignInNotice, KeepSessionAlive, SwitchCompany};
use leptos::server_fn::ServerFn;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::harness::{DEMO_PASSWORD, TestApp, spawn};

/// Functions that act on the person (or on nobody), not on a company's data.
fn not_company_scoped() -> Vec<&'static str> {
    vec![
        SignIn::PATH,
        SignOut::PATH,
        CurrentAccount::PATH,
        DismissSignInNotice::PATH,
        GetProfile::PATH,
        ListTimezones::PATH,
        SaveProfile::PATH,
        RequestEmailChange::PATH,
        ResendEmailChange::PATH,
        CancelEmailChange::PATH,
        ConfirmEmailChange::PATH,
        CancelEmailChangeByLink::PATH,
        ListSessions::PATH,
        EndSession::PATH,
        EndOtherSessions::PATH,
        GetNotificationPreferences::PATH,
        SetNotificationPreference::PATH,
        SetNotificationFilters::PATH,
        CustomizeNotifications::PATH,
        UseDefaultNotificationSettings::PATH,
        CheckUnsubscribeLink::PATH,
        UnsubscribeByLink::PATH,
        SetUrgentDuringQuietHours::PATH,
        SetTaskDueLead::PATH,
        SetQuietHours::PATH,
        SetEmailDigest::PATH,
        // The person's own push devices (push tests: another person's device is not found).
        GetPushSetup::PATH,
        SavePushSubscription::PATH,
        RemovePushDevice::PATH,
        SendTestPush::PATH,
        // The account's own security: per person, the same in every company.
        GetSecurityOverview::PATH,
        ChangePassword::PATH,
        BeginTwoFactor::PATH,
        ConfirmTwoFactor::PATH,
        RegenerateBackupCodes::PATH,
        DisableTwoFactor::PATH,
        SignOutOtherDevices::PATH,
        SecureMyAccount::PATH,
        // The person's own remembered devices (remembered_devices tests: another person's
        // device is not found).
        ForgetRememberedDevice::PATH,
        ForgetAllRememberedDevices::PATH,
        // The person's own passkeys (passkeys tests: another person's is not found).
        BeginPasskeyRegistration::PATH,
        FinishPasskeyRegistration::PATH,
        RenamePasskey::PATH,
        RemovePasskey::PATH,
        // "This wasn't me": by emailed link, without a session (secure_account tests).
        CheckWasntMeLink::PATH,
        SecureAccountByLink::PATH,
        VerifySignIn::PATH,
        GetSecondStepOptions::PATH,
        // Passkeys at sign-in: the passkey names the account (passkeys tests).
        BeginPasskeySecondStep::PATH,
        FinishPasskeySecondStep::PATH,
        BeginPasskeySignIn::PATH,
        FinishPasskeySignIn::PATH,
        // "Forgot password?": by emailed link, before any session (password_reset tests).
        RequestPasswordReset::PATH,
        CheckResetLink::PATH,
        ResetPassword::PATH,
        // Check the membership themselves; covered by the companies tests and below.
        SwitchCompany::PATH,
        CaseCompany::PATH,
        SwitchToCaseCompany::PATH,
        // The person's own unread counts across their companies (notifications tests).
        CompanyUnreadCounts::PATH,
        // The person's own session ("Stay signed in").
        KeepSessionAlive::PATH,
    ]
}

fn company_scoped() -> Vec<&'static str> {
    vec![
        ListCases::PATH,
        GetCase::PATH,
        AssignCase::PATH,
        UpdateCaseDetails::PATH,
        CompleteTask::PATH,
        MyTasks::PATH,
        GetNotificationCenter::PATH,
        UnreadNotificationCount::PATH,
        MarkNotificationRead::PATH,
        MarkNotificationUnread::PATH,
        MarkAllNotificationsRead::PATH,
        SendTestNotification::PATH,
        ListApiTokens::PATH,
        CreateApiToken::PATH,
        RevokeApiToken::PATH,
        ListMembers::PATH,
        SetMemberRole::PATH,
        SignOutMember::PATH,
        RemoveMember::PATH,
        ResetMemberTwoFactor::PATH,
        SignOutAllMembers::PATH,
        ListAuditLog::PATH,
        GetSecurityPolicy::PATH,
        SaveSecurityPolicy::PATH,
        GetEscalationPolicy::PATH,
        SaveEscalationPolicy::PATH,
    ]
}

#[test]
fn every_server_function_is_classified() {
    let registered: BTreeSet<&str> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    let classified: BTreeSet<&str> =
        not_company_scoped().into_iter().chain(company_scoped()).collect();
    let missing: Vec<_> = classified.difference(&registered).collect();
    assert!(missing.is_empty(), "classified but not registered (renamed?): {missing:?}");
    let unclassified: Vec<_> = registered.difference(&classified).collect();
    assert!(
        unclassified.is_empty(),
        "server functions not in the isolation test: {unclassified:?}. Add each to company_scoped() (with a check below) or to not_company_scoped()."
    );
}

pub(crate) struct OtherCompany {
    pub(crate) case_ids: Vec<i32>,
    pub(crate) case_numbers: Vec<String>,
    pub(crate) task_titles: Vec<String>,
    pub(crate) task_ids: Vec<i32>,
    pub(crate) member_id: i32,
}

pub(crate) async fn other_company(app: &TestApp) -> OtherCompany {
    let reyes = company::Entity::find()
        .filter(company::Column::Name.eq("Reyes Legal Group"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let cases = case::Entity::find()
        .filter(case::Column::CompanyId.eq(reyes.id))
        .all(&app.state.db)
        .await
        .unwrap();
    let tasks = task::Entity::find()
        .filter(task::Column::CompanyId.eq(reyes.id))
        .all(&app.state.db)
        .await
        .unwrap();
    let dana = user::Entity::find()
        .filter(user::Column::FullName.eq("Dana Reyes"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    OtherCompany {
        case_ids: cases.iter().map(|c| c.id).collect(),
        case_numbers: cases.iter().map(|c| c.number.clone()).collect(),
        task_titles: tasks.iter().map(|t| t.title.clone()).collect(),
        task_ids: tasks.iter().map(|t| t.id).collect(),
        member_id: dana.id,
    }
}

pub(crate) async fn case_rows(app: &TestApp) -> Vec<case::Model> {
    case::Entity::find().all(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn company_scoped_functions_never_reach_another_companys_records() {
    let app = spawn().await;
    let token = app.sign_in_demo().await; // working in Harper & Lowe LLP
    let other = other_company(&app).await;
    assert!(!other.case_ids.is_empty() && !other.task_titles.is_empty());
    let harper_case = case::Entity::find()
        .filter(case::Column::Number.eq("HL-2026-030"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let before = case_rows(&app).await;
    // The demo person's notification and an API token, both of the other company.
    let reyes = company::Entity::find()
        .filter(company::Column::Name.eq("Reyes Legal Group"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let theirs = notification::ActiveModel {
        company_id: Set(reyes.id),
        user_id: Set(1),
        event: Set("new_message".into()),
        case_id: Set(other.case_ids[0]),
        task_id: Set(None),
        title: Set("Reyes secret title".into()),
        body: Set("Reyes secret body".into()),
        in_app: Set(true),
        read_at: Set(None),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let their_token = api_token::ActiveModel {
        company_id: Set(reyes.id),
        name: Set("Reyes phones".into()),
        token_prefix: Set("kayse_000000".into()),
        token_hash: Set("0".repeat(64)),
        created_by: Set(other.member_id),
        created_at: Set(chrono::Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();

    // A member of the other company, signed in, and an entry of its audit log.
    let dana_token = {
        let demo = user::Entity::find_by_id(1).one(&app.state.db).await.unwrap().unwrap();
        let mut dana = user::Entity::find_by_id(other.member_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        dana.password_hash = Set(demo.password_hash);
        let dana = dana.update(&app.state.db).await.unwrap();
        app.sign_in_with(&dana.email, DEMO_PASSWORD, "", "198.51.100.30").await
    };
    app::backend::entities::audit_entry::ActiveModel {
        company_id: Set(reyes.id),
        actor_id: Set(Some(other.member_id)),
        subject_id: Set(None),
        kind: Set("api_token_created".into()),
        detail: Set("Reyes secret entry".into()),
        user_agent: Set(String::new()),
        client_address: Set("127.0.0.1".into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();

    for path in company_scoped() {
        match path {
            p if p == ListCases::PATH => {
                for search in ["", "RLG", "Okafor"] {
                    let cases: Vec<CaseSummary> =
                        app.call::<ListCases>(&[("search", search)], Some(&token)).await.json();
                    assert!(
                        cases.iter().all(|c| !other.case_numbers.contains(&c.number)),
                        "list_cases({search:?}) leaked"
                    );
                }
            }
            p if p == GetCase::PATH => {
                for id in &other.case_ids {
                    let reply = app.call::<GetCase>(&[("id", &id.to_string())], Some(&token)).await;
                    assert_eq!(reply.app_error(), AppError::NotFound, "get_case({id})");
                }
                let missing = app.call::<GetCase>(&[("id", "987654")], Some(&token)).await;
                assert_eq!(
                    missing.app_error(),
                    AppError::NotFound,
                    "the same answer as an id that does not exist"
                );
            }
            p if p == AssignCase::PATH => {
                for id in &other.case_ids {
                    let reply = app
                        .call::<AssignCase>(
                            &[("case_id", &id.to_string()), ("assignee_id", "1")],
                            Some(&token),
                        )
                        .await;
                    assert_eq!(reply.app_error(), AppError::NotFound, "assign_case({id})");
                }
                // Our own case to a member of the other company: not found either.
                let reply = app
                    .call::<AssignCase>(
                        &[
                            ("case_id", &harper_case.id.to_string()),
                            ("assignee_id", &other.member_id.to_string()),
                        ],
                        Some(&token),
                    )
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == MyTasks::PATH => {
                let tasks: Vec<TaskView> = app.call::<MyTasks>(&[], Some(&token)).await.json();
                assert!(!tasks.is_empty(), "the demo person has tasks here");
                assert!(
                    tasks.iter().all(|t| !other.task_titles.contains(&t.title)),
                    "my_tasks leaked"
                );
            }
            p if p == GetNotificationCenter::PATH => {
                let center: NotificationCenter =
                    app.call::<GetNotificationCenter>(&[], Some(&token)).await.json();
                assert!(
                    center.items.iter().all(|n| n.id != theirs.id && !n.title.contains("Reyes")),
                    "the bell leaked"
                );
            }
            p if p == UnreadNotificationCount::PATH => {
                // The other company's unread notification (`theirs`) is not counted here.
                let count: usize =
                    app.call::<UnreadNotificationCount>(&[], Some(&token)).await.json();
                let center: NotificationCenter =
                    app.call::<GetNotificationCenter>(&[], Some(&token)).await.json();
                assert_eq!(
                    count,
                    center.items.iter().filter(|n| !n.read).count(),
                    "the count leaked"
                );
            }
            p if p == MarkNotificationRead::PATH => {
                let reply = app
                    .call::<MarkNotificationRead>(&[("id", &theirs.id.to_string())], Some(&token))
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == MarkNotificationUnread::PATH => {
                let reply = app
                    .call::<MarkNotificationUnread>(&[("id", &theirs.id.to_string())], Some(&token))
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
                for case_type in ["Family", "Real estate"] {
                    let center: NotificationCenter = app
                        .call::<GetNotificationCenter>(&[("case_type", case_type)], Some(&token))
                        .await
                        .json();
                    assert!(center.items.is_empty(), "another company's case type");
                    assert!(!center.case_types.iter().any(|t| t == "Family"), "their types listed");
                }
            }
            p if p == MarkAllNotificationsRead::PATH => {
                assert!(
                    app.call::<MarkAllNotificationsRead>(&[], Some(&token))
                        .await
                        .status
                        .is_success()
                );
            }
            p if p == ListApiTokens::PATH => {
                let tokens: CompanyTokens =
                    app.call::<ListApiTokens>(&[], Some(&token)).await.json();
                assert!(
                    tokens.tokens.iter().all(|t| t.id != their_token.id),
                    "another company's token listed"
                );
            }
            p if p == CreateApiToken::PATH => {
                let created: CreatedApiToken = app
                    .call::<CreateApiToken>(&[("name", "Front desk")], Some(&token))
                    .await
                    .json();
                let row = api_token::Entity::find_by_id(created.view.id)
                    .one(&app.state.db)
                    .await
                    .unwrap()
                    .unwrap();
                assert_ne!(row.company_id, reyes.id, "a token belongs to the session's company");
            }
            p if p == RevokeApiToken::PATH => {
                let reply = app
                    .call::<RevokeApiToken>(&[("id", &their_token.id.to_string())], Some(&token))
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == ListMembers::PATH => {
                let listed: CompanyMembers =
                    app.call::<ListMembers>(&[], Some(&token)).await.json();
                assert!(
                    listed.members.iter().all(|m| m.user_id != other.member_id),
                    "another company's member listed"
                );
            }
            p if p == SetMemberRole::PATH => {
                let reply = app
                    .call::<SetMemberRole>(
                        &[("user_id", &other.member_id.to_string()), ("admin", "false")],
                        Some(&token),
                    )
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == SignOutMember::PATH => {
                let reply = app
                    .call::<SignOutMember>(
                        &[("user_id", &other.member_id.to_string())],
                        Some(&token),
                    )
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == RemoveMember::PATH => {
                let reply = app
                    .call::<RemoveMember>(
                        &[("user_id", &other.member_id.to_string())],
                        Some(&token),
                    )
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == ResetMemberTwoFactor::PATH => {
                let reply = app
                    .call::<ResetMemberTwoFactor>(
                        &[("user_id", &other.member_id.to_string())],
                        Some(&token),
                    )
                    .await;
                assert_eq!(reply.app_error(), AppError::NotFound);
            }
            p if p == SignOutAllMembers::PATH => {
                let ended = app
                    .call::<SignOutAllMembers>(
                        &[("password", DEMO_PASSWORD), ("confirmation", "Harper & Lowe LLP")],
                        Some(&token),
                    )
                    .await;
                assert!(ended.status.is_success(), "{}", ended.text());
                assert!(
                    app.call::<CurrentAccount>(&[], Some(&dana_token)).await.status.is_success(),
                    "another company's member stays signed in"
                );
            }
            p if p == GetSecurityPolicy::PATH => {
                let policy: SecurityPolicyView =
                    app.call::<GetSecurityPolicy>(&[], Some(&token)).await.json();
                assert_eq!(policy.company, "Harper & Lowe LLP");
            }
            p if p == SaveSecurityPolicy::PATH => {
                let saved = app
                    .call::<SaveSecurityPolicy>(
                        &[
                            ("require_two_factor", "false"),
                            ("grace_days", "0"),
                            ("idle_timeout_minutes", "30"),
                            ("allow_remembered_devices", "false"),
                        ],
                        Some(&token),
                    )
                    .await;
                assert!(saved.status.is_success(), "{}", saved.text());
                let theirs = company::Entity::find_by_id(reyes.id)
                    .one(&app.state.db)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(theirs.idle_timeout_minutes, None, "another company's policy");
                assert!(theirs.allow_remembered_devices);
            }
            p if p == ListAuditLog::PATH => {
                let everyone: AuditLogPage =
                    app.call::<ListAuditLog>(&[], Some(&token)).await.json();
                let dana_only: AuditLogPage = app
                    .call::<ListAuditLog>(&[("person", &other.member_id.to_string())], Some(&token))
                    .await
                    .json();
                assert!(dana_only.entries.is_empty(), "another company's member's entries");
                assert!(
                    everyone.entries.iter().all(|e| !e.detail.contains("Reyes")),
                    "another company's entries"
                );
            }
            p if p == GetEscalationPolicy::PATH => {
                let view: EscalationView =
                    app.call::<GetEscalationPolicy>(&[], Some(&token)).await.json();
                assert!(view.members.iter().all(|m| m.id != other.member_id));
            }
            p if p == SaveEscalationPolicy::PATH => {
                let reply = app
                    .call::<SaveEscalationPolicy>(
                        &[
                            ("negative_sentiment", "true"),
                            ("missed_call", "true"),
                            ("minutes", "5"),
                            ("contact_id", &other.member_id.to_string()),
                        ],
                        Some(&token),
                    )
                    .await;
                assert!(reply.app_error().message_for("contact_id").is_some());
                let theirs = company::Entity::find_by_id(reyes.id)
                    .one(&app.state.db)
                    .await
                    .unwrap()
                    .unwrap();
                assert!(!theirs.acknowledge_negative_sentiment && !theirs.acknowledge_missed_call);
            }
            p if p == SendTestNotification::PATH => {
                let reply = app
                    .call::<SendTestNotification>(
                        &[("event", "NewMessage"), ("method", "InApp")],
                        Some(&token),
                    )
                    .await;
                assert!(reply.status.is_success(), "{}", reply.text());
                let sample = notification::Entity::find()
                    .filter(notification::Column::Title.starts_with("Test: "))
                    .one(&app.state.db)
                    .await
                    .unwrap()
                    .unwrap();
                assert_ne!(sample.company_id, reyes.id);
                assert!(
                    !other.case_ids.contains(&sample.case_id),
                    "a sample on another company's case"
                );
            }
            p if p == UpdateCaseDetails::PATH => {
                for id in &other.case_ids {
                    let reply = app
                        .call::<UpdateCaseDetails>(
                            &[
                                ("case_id", &id.to_string()),
                                ("status", "Closed"),
                                ("case_type", "Reyes secret type"),
                                ("priority", "Urgent"),
                            ],
                            Some(&token),
                        )
                        .await;
                    assert_eq!(reply.app_error(), AppError::NotFound, "update_case_details({id})");
                }
            }
            p if p == CompleteTask::PATH => {
                for id in &other.task_ids {
                    let reply = app
                        .call::<CompleteTask>(&[("task_id", &id.to_string())], Some(&token))
                        .await;
                    assert_eq!(reply.app_error(), AppError::NotFound, "complete_task({id})");
                }
                let open = task::Entity::find()
                    .filter(task::Column::Id.is_in(other.task_ids.clone()))
                    .filter(task::Column::CompletedAt.is_not_null())
                    .all(&app.state.db)
                    .await
                    .unwrap();
                assert!(open.is_empty(), "another company's task was marked done");
            }
            other_path => panic!("no isolation check for the company-scoped function {other_path}"),
        }
    }
    assert_eq!(case_rows(&app).await, before, "nothing of any company changed");
    let theirs_after =
        notification::Entity::find_by_id(theirs.id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(theirs_after.read_at, None, "another company's notification stayed unread");
    let token_after =
        api_token::Entity::find_by_id(their_token.id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(token_after.revoked_at, None, "another company's token stayed live");
}
