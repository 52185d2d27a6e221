//! The integrations domain: client messages, calls and assignments reported by the firm's
//! own systems through the integrations API (the HTTP layer is `server/src/integrations.rs`),
//! scored for sentiment and handed to the notifications dispatcher. Server-only.

pub mod ingest;
pub mod sentiment;
