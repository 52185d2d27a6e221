//! Schema migrations, run at every start. Written with sea-query's builders so the same
//! migrations run on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m20261128_000001_initial;
mod m20261128_000002_cases_and_tasks;
mod m20261128_000003_notification_preferences;
mod m20261129_000004_security;
mod m20261129_000005_notification_center;
mod m20261129_000006_delivery_timing;
mod m20261129_000007_web_push;
mod m20261130_000008_email_change_safety;
mod m20261130_000009_device_cookies;
mod m20261130_000010_backup_code_lookup;
mod m20261201_000011_shared_state;
mod m20261201_000012_password_resets;
mod m20261201_000013_sign_in_notice;
mod m20261201_000014_secured_accounts;
mod m20261201_000015_wasnt_me_links;
mod m20261202_000016_remembered_devices;
mod m20261202_000017_passkeys;
mod m20261202_000018_wasnt_me_restores_email;
mod m20261202_000019_company_audit_log;
mod m20261202_000020_company_security_policy;
mod m20261203_000021_notifications_complete;
mod m20261203_000022_notification_escalation;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial::Migration),
            Box::new(m20261128_000002_cases_and_tasks::Migration),
            Box::new(m20261128_000003_notification_preferences::Migration),
            Box::new(m20261129_000004_security::Migration),
            Box::new(m20261129_000005_notification_center::Migration),
            Box::new(m20261129_000006_delivery_timing::Migration),
            Box::new(m20261129_000007_web_push::Migration),
            Box::new(m20261130_000008_email_change_safety::Migration),
            Box::new(m20261130_000009_device_cookies::Migration),
            Box::new(m20261130_000010_backup_code_lookup::Migration),
            Box::new(m20261201_000011_shared_state::Migration),
            Box::new(m20261201_000012_password_resets::Migration),
            Box::new(m20261201_000013_sign_in_notice::Migration),
            Box::new(m20261201_000014_secured_accounts::Migration),
            Box::new(m20261201_000015_wasnt_me_links::Migration),
            Box::new(m20261202_000016_remembered_devices::Migration),
            Box::new(m20261202_000017_passkeys::Migration),
            Box::new(m20261202_000018_wasnt_me_restores_email::Migration),
            Box::new(m20261202_000019_company_audit_log::Migration),
            Box::new(m20261202_000020_company_security_policy::Migration),
            Box::new(m20261203_000021_notifications_complete::Migration),
            Box::new(m20261203_000022_notification_escalation::Migration),
        ]
    }
}
