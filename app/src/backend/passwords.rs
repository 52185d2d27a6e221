//! argon2id password hashing with the OWASP-recommended cost (m = 19 MiB, t = 2, p = 1),
//! run off the async runtime in the bounded CPU pool, so a burst of sign-ins can neither
//! stall other requests nor take the server's memory.

use std::sync::Mutex;

use argon2::password_hash::{
    self, Output, ParamsString, PasswordHash, PasswordHasher, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use unicode_normalization::UnicodeNormalization;

use super::cpu_pool::CpuPool;
use crate::error::AppError;

/// argon2 has no input cap of its own; longer input only costs CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn params() -> Result<Params, AppError> {
    Params::new(19_456, 2, 1, None).map_err(|e| AppError::internal("argon2 parameters", e))
}

/// argon2's 19 MiB working memory, kept and reused. Allocating it afresh for every hash
/// let the allocator keep each freed buffer: 20 sign-ins in a row, four at a time, left
/// 300 MB resident. Hashing runs in the bounded CPU pool, so at most one buffer per pool
/// place ever exists.
static SCRATCH: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_scratch<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let taken = SCRATCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
    let mut memory = taken.unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let result = work(&mut memory);
    SCRATCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(memory);
    result
}

/// The argon2 output for `password` under a stored (or new) hash's algorithm, version,
/// parameters and salt, computed in reused memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: Salt<'_>,
    output_len: usize,
) -> Result<Output, password_hash::Error> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    with_scratch(blocks, |memory| {
        Output::init_with(output_len, |out| {
            argon2
                .hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..blocks])
                .map_err(|_| password_hash::Error::Password)
        })
    })
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
    CpuPool::shared()
        .run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let params = params()?;
            let output = compute(
                Algorithm::Argon2id,
                Version::V0x13,
                params.clone(),
                normalise(&password).as_bytes(),
                salt.as_salt(),
                Params::DEFAULT_OUTPUT_LEN,
            )
            .map_err(|e| AppError::internal("hashing a password", e))?;
            let hash = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params)
                    .map_err(|e| AppError::internal("argon2 parameters", e))?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            };
            Ok(hash.to_string())
        })
        .await?
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
    CpuPool::shared()
        .run(move || {
            let known_account = stored_hash.is_some();
            let stored = match stored_hash {
                Some(hash) => hash,
                None => dummy_hash()?,
            };
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| AppError::internal("stored password hash", e))?;
            let matches = verify_against(&parsed, normalise(&password).as_bytes())
                .map_err(|e| AppError::internal("stored password hash", e))?;
            Ok(matches && known_account)
        })
        .await?
}

/// Recomputes the hash with the stored one's algorithm, version, parameters and salt; the
/// outputs are compared in constant time (`Output`'s equality).
fn verify_against(
    stored: &PasswordHash<'_>,
    password: &[u8],
) -> Result<bool, password_hash::Error> {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(password_hash::Error::PhcStringField);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = Version::try_from(stored.version.unwrap_or(0x13))?;
    let params = Params::try_from(stored)?;
    let computed = compute(algorithm, version, params, password, salt, expected.len())?;
    Ok(computed == expected)
}

/// A hash (same cost) of a random secret nobody knows, made once per process.
fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?)
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
    async fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        // Every hash stored before the reused-memory path was made by PasswordHasher.
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap())
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(
            verify_password("correct horse battery".into(), Some(stored.clone())).await.unwrap()
        );
        assert!(!verify_password("wrong horse battery".into(), Some(stored)).await.unwrap());
        // And ours verify with the crate's own verifier.
        let ours = hash_password("correct horse battery".into()).await.unwrap();
        use argon2::PasswordVerifier;
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
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
