//! Integration tests: the real router, middleware and server functions against a real
//! SQLite database in a temporary folder. One binary, so the app is linked once.

mod audit_log;
mod auth;
mod case_events;
mod cases;
mod change_password;
mod companies;
mod delivery;
mod email_change;
mod error_statuses;
mod guessing_limits;
mod harness;
mod http_layers;
mod instances;
mod integrations_api;
mod isolation;
mod logs;
mod members;
mod notification_center;
mod notification_settings;
mod notifications;
mod passkeys;
mod password_reset;
mod profile;
mod push;
mod push_devices;
mod push_service;
mod remembered_devices;
mod secure_account;
mod security_policy;
mod security_tab;
mod sessions;
mod sign_in_notice;
mod sign_in_redirects;
mod startup;
mod unsubscribe;
