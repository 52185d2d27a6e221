//! Web Push transport, shared by the Notifications tab (devices, "Send test") and the
//! delivery worker: the RFC 8291/8292 cryptography and the sender with its endpoint rules.

pub mod crypto;
pub mod sender;

pub use sender::PushSender;
