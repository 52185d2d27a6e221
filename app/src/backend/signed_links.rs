//! Links that carry their own authority: an HMAC-SHA256 over what the link does, with a
//! secret the server makes once and keeps in the database (`server_secrets`), so every
//! instance signs and checks alike and a restart breaks no link already sent. Used where a
//! link must work for a long time without a stored token per email: one-click unsubscribe.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use sha2::Sha256;

use crate::backend::entities::server_secret;
use crate::error::AppError;

/// The secret named `name`: made (256 random bits) on first use. Two instances making it at
/// once keep the first one written, and both read that one back.
pub async fn secret(db: &impl ConnectionTrait, name: &str) -> Result<Vec<u8>, AppError> {
    if let Some(row) = server_secret::Entity::find_by_id(name.to_owned()).one(db).await? {
        return decode(&row.secret);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    server_secret::Entity::insert(server_secret::ActiveModel {
        name: Set(name.to_owned()),
        secret: Set(URL_SAFE_NO_PAD.encode(bytes)),
        created_at: Set(Utc::now()),
    })
    .on_conflict(OnConflict::column(server_secret::Column::Name).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    let row = server_secret::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("server secret", "missing right after insert"))?;
    decode(&row.secret)
}

fn decode(stored: &str) -> Result<Vec<u8>, AppError> {
    URL_SAFE_NO_PAD.decode(stored).map_err(|e| AppError::internal("server secret", e))
}

fn mac(secret: &[u8], message: &str) -> Result<Hmac<Sha256>, AppError> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|e| AppError::internal("signing key", e))?;
    mac.update(message.as_bytes());
    Ok(mac)
}

/// The signature of `message`, base64url (43 characters).
pub fn sign(secret: &[u8], message: &str) -> Result<String, AppError> {
    Ok(URL_SAFE_NO_PAD.encode(mac(secret, message)?.finalize().into_bytes()))
}

/// Whether `signature` is `message`'s, compared in constant time.
pub fn verify(secret: &[u8], message: &str, signature: &str) -> bool {
    let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    mac(secret, message).is_ok_and(|m| m.verify_slice(&given).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_message_and_key_only() {
        let key = [7u8; 32];
        let signature = sign(&key, "unsubscribe 1 2 new_message").unwrap();
        assert_eq!(signature.len(), 43);
        assert!(verify(&key, "unsubscribe 1 2 new_message", &signature));
        assert!(!verify(&key, "unsubscribe 1 3 new_message", &signature));
        assert!(!verify(&[8u8; 32], "unsubscribe 1 2 new_message", &signature));
        assert!(!verify(&key, "unsubscribe 1 2 new_message", &signature[..42]));
        assert!(!verify(&key, "unsubscribe 1 2 new_message", "not base64!"));
    }
}
