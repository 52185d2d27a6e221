//! sea-orm entities. Server-only: nothing here is `Serialize`, so a password hash or token
//! hash cannot be sent to the browser by accident; the wire types live in the features.

pub mod api_token;
pub mod audit_entry;
pub mod avatar;
pub mod backup_code;
pub mod case;
pub mod client_communication;
pub mod company;
pub mod device_cookie;
pub mod email_change;
pub mod email_change_request;
pub mod guess_counter;
pub mod known_device;
pub mod live_event;
pub mod membership;
pub mod notification;
pub mod notification_delivery;
pub mod notification_preference;
pub mod notification_settings;
pub mod passkey;
pub mod passkey_ceremony;
pub mod password_reset;
pub mod pending_sign_in;
pub mod push_receipt;
pub mod push_subscription;
pub mod rate_window;
pub mod remembered_device;
pub mod secured_account;
pub mod security_event;
pub mod session;
pub mod task;
pub mod task_due_notice;
pub mod totp_credential;
pub mod user;
pub mod vapid_key;
pub mod wasnt_me_link;
