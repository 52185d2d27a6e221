//! argon2id password hashing with the OWASP-recommended cost (m = 19 MiB, t = 2, p = 1),
//! run off the async runtime so a burst of sign-ins cannot stall other requests.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

/// argon2 has no input cap of its own; longer input only costs CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| AppError::internal("argon2 parameters", e))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The same password typed on two keyboards (composed or decomposed accents, full-width
/// digits) must give the same bytes.
fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::field("password", "Use at most 1,024 characters."));
    }
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        hasher()?
            .hash_password(normalise(&password).as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal("hashing a password", e))
    })
    .await
    .map_err(|e| AppError::internal("password hashing task", e))?
}

/// `Ok(false)` for a wrong password. With no stored hash (unknown account) a dummy hash is
/// checked anyway, so the response time does not tell whether the account exists.
pub async fn verify_password(
    password: String,
    stored_hash: Option<String>,
) -> Result<bool, AppError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(false);
    }
    tokio::task::spawn_blocking(move || {
        let known_account = stored_hash.is_some();
        let stored = match stored_hash {
            Some(hash) => hash,
            None => dummy_hash()?,
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| AppError::internal("stored password hash", e))?;
        let matches = hasher()?.verify_password(normalise(&password).as_bytes(), &parsed).is_ok();
        Ok(matches && known_account)
    })
    .await
    .map_err(|e| AppError::internal("password check task", e))?
}

/// A hash (same cost) of a random secret nobody knows, made once per process.
fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = hasher()?
        .hash_password(super::tokens::new_token().as_bytes(), &salt)
        .map_err(|e| AppError::internal("hashing the dummy password", e))?
        .to_string();
    Ok(DUMMY.get_or_init(|| hash).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify_password("correct horse batterY".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn composed_and_decomposed_accents_are_the_same_password() {
        let hash = hash_password("caf\u{e9} au lait".into()).await.unwrap();
        assert!(verify_password("cafe\u{301} au lait".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn overlong_passwords_are_refused_before_hashing() {
        let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(hash_password(long.clone()).await.is_err());
        assert!(!verify_password(long, None).await.unwrap());
    }
}
