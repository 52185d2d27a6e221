//! The two pieces of Web Push cryptography, from their RFCs, on RustCrypto primitives:
//! - RFC 8291 message encryption: an ephemeral P-256 key agreed with the device's key,
//!   mixed with the device's auth secret (HKDF-SHA-256), sealed with AES-128-GCM in one
//!   `aes128gcm` record (RFC 8188). Checked byte for byte against the RFC's Appendix A.
//! - RFC 8292 VAPID: a JWT signed with ES256 by the server's key, naming the push
//!   service's origin, so the service knows pushes to this subscription come from us.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The record size written in the header. Push services accept bodies up to 4096 bytes.
const RECORD_SIZE: u32 = 4096;
/// Salt (16) + record size (4) + key id length (1) + the sender's public key (65).
const HEADER_LEN: usize = 86;
/// AES-GCM's tag.
const TAG_LEN: usize = 16;
/// The largest plaintext one push can carry: 4096 − header − tag − the 0x02 delimiter.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - HEADER_LEN - TAG_LEN - 1;
/// How long a VAPID token stays valid (RFC 8292 allows at most 24 hours).
const TOKEN_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushCryptoError {
    #[error("the device's public key is not a P-256 point")]
    BadDeviceKey,
    #[error("the device's auth secret is not 16 bytes")]
    BadAuthSecret,
    #[error("the stored VAPID key is not a P-256 private key")]
    BadServerKey,
    #[error("the message is {0} bytes; a push carries at most {MAX_PLAINTEXT}")]
    TooLong(usize),
    #[error("encryption failed")]
    Encryption,
}

pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    // Browsers send these unpadded; tolerate padding from hand-written clients.
    URL_SAFE_NO_PAD.decode(text.trim().trim_end_matches('=')).ok()
}

pub fn encode_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a browser gives for its subscription: where to send, and how to encrypt for it.
#[derive(Clone, Debug)]
pub struct DeviceKeys {
    public: PublicKey,
    auth: [u8; 16],
}

impl DeviceKeys {
    /// From the subscription's `keys.p256dh` and `keys.auth` (base64url).
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, PushCryptoError> {
        let point = decode_base64url(p256dh).ok_or(PushCryptoError::BadDeviceKey)?;
        // Uncompressed form only, as the Push API gives it (RFC 8291 section 3.2).
        if point.len() != 65 || point[0] != 0x04 {
            return Err(PushCryptoError::BadDeviceKey);
        }
        let public =
            PublicKey::from_sec1_bytes(&point).map_err(|_| PushCryptoError::BadDeviceKey)?;
        let auth: [u8; 16] = decode_base64url(auth)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(PushCryptoError::BadAuthSecret)?;
        Ok(DeviceKeys { public, auth })
    }
}

/// Encrypts `plaintext` for the device with a fresh sender key and salt.
pub fn encrypt(plaintext: &[u8], device: &DeviceKeys) -> Result<Vec<u8>, PushCryptoError> {
    let sender = SecretKey::random(&mut rand::rngs::OsRng);
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
    encrypt_with(plaintext, device, &sender, salt)
}

/// The deterministic core of [`encrypt`], so the RFC's example can be reproduced.
fn encrypt_with(
    plaintext: &[u8],
    device: &DeviceKeys,
    sender: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, PushCryptoError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushCryptoError::TooLong(plaintext.len()));
    }
    let device_point = device.public.to_encoded_point(false);
    let sender_point = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), device.public.as_affine());

    // RFC 8291 section 3.4: IKM = HKDF(auth, ecdh, "WebPush: info" 0 ua_public as_public).
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(device_point.as_bytes());
    key_info.extend_from_slice(sender_point.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&device.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushCryptoError::Encryption)?;

    // RFC 8188 section 2.2/2.3: the content key and nonce from the salt.
    let content = Hkdf::<Sha256>::new(Some(&salt), &ikm);
    let mut key = [0u8; 16];
    let mut nonce = [0u8; 12];
    content
        .expand(b"Content-Encoding: aes128gcm\0", &mut key)
        .map_err(|_| PushCryptoError::Encryption)?;
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| PushCryptoError::Encryption)?;

    // One record, so it is the last: the plaintext then the 0x02 delimiter, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(0x02);
    let cipher = Aes128Gcm::new_from_slice(&key).map_err(|_| PushCryptoError::Encryption)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| PushCryptoError::Encryption)?;

    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(sender_point.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The server's VAPID identity.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
    /// The uncompressed public point, base64url: the `applicationServerKey` browsers
    /// subscribe with and the `k=` of every push.
    public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public).finish_non_exhaustive()
    }
}

impl VapidKey {
    pub fn generate() -> Self {
        Self::from_secret(SecretKey::random(&mut rand::rngs::OsRng))
    }

    fn from_secret(secret: SecretKey) -> Self {
        let signing = SigningKey::from(secret);
        let public = encode_base64url(signing.verifying_key().to_encoded_point(false).as_bytes());
        VapidKey { signing, public }
    }

    /// From the stored private scalar (base64url).
    pub fn from_private(private: &str) -> Result<Self, PushCryptoError> {
        let bytes = decode_base64url(private).ok_or(PushCryptoError::BadServerKey)?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| PushCryptoError::BadServerKey)?;
        Ok(Self::from_secret(secret))
    }

    pub fn private_base64url(&self) -> String {
        encode_base64url(&self.signing.to_bytes())
    }

    pub fn public_base64url(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for a push to a service at `audience` (the endpoint's
    /// origin, e.g. `https://fcm.googleapis.com`).
    pub fn authorization(
        &self,
        audience: &str,
        contact: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let header = encode_base64url(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": (now + TOKEN_LIFETIME).timestamp(),
            "sub": contact,
        });
        let claims = encode_base64url(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        // ES256: the fixed 64-byte r‖s form, not DER (RFC 7518 section 3.4).
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!(
            "vapid t={signing_input}.{}, k={}",
            encode_base64url(&signature.to_bytes()),
            self.public
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    // RFC 8291 Appendix A (published example data).
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const DEVICE_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SENDER_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = concat!(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml",
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT",
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    );

    #[test]
    fn encryption_reproduces_the_rfc_8291_example_byte_for_byte() {
        let device = DeviceKeys::parse(DEVICE_PUBLIC, AUTH).unwrap();
        let sender = SecretKey::from_slice(&decode_base64url(SENDER_PRIVATE).unwrap()).unwrap();
        let salt: [u8; 16] = decode_base64url(SALT).unwrap().try_into().unwrap();
        let body = encrypt_with(PLAINTEXT, &device, &sender, salt).unwrap();
        assert_eq!(encode_base64url(&body), BODY);
    }

    #[test]
    fn each_message_gets_a_fresh_salt_and_sender_key() {
        let device = DeviceKeys::parse(DEVICE_PUBLIC, AUTH).unwrap();
        let first = encrypt(PLAINTEXT, &device).unwrap();
        let second = encrypt(PLAINTEXT, &device).unwrap();
        assert_eq!(first.len(), HEADER_LEN + PLAINTEXT.len() + 1 + TAG_LEN);
        assert_ne!(first[..16], second[..16], "salt");
        assert_ne!(first[21..86], second[21..86], "sender key");
    }

    #[test]
    fn bad_device_keys_and_long_messages_are_refused() {
        assert_eq!(DeviceKeys::parse("BAAA", AUTH).unwrap_err(), PushCryptoError::BadDeviceKey);
        // 65 bytes starting 0x04 but not on the curve.
        let off_curve = encode_base64url(&[[4u8].as_slice(), &[1u8; 64]].concat());
        assert_eq!(DeviceKeys::parse(&off_curve, AUTH).unwrap_err(), PushCryptoError::BadDeviceKey);
        assert_eq!(
            DeviceKeys::parse(DEVICE_PUBLIC, "c2hvcnQ").unwrap_err(),
            PushCryptoError::BadAuthSecret
        );
        let device = DeviceKeys::parse(DEVICE_PUBLIC, AUTH).unwrap();
        assert!(encrypt(&vec![b'a'; MAX_PLAINTEXT], &device).is_ok());
        assert_eq!(
            encrypt(&vec![b'a'; MAX_PLAINTEXT + 1], &device).unwrap_err(),
            PushCryptoError::TooLong(MAX_PLAINTEXT + 1)
        );
    }

    #[test]
    fn the_vapid_token_verifies_with_the_public_key_and_names_the_service() {
        let key = VapidKey::generate();
        let restored = VapidKey::from_private(&key.private_base64url()).unwrap();
        assert_eq!(restored.public_base64url(), key.public_base64url());
        let now = chrono::Utc::now();
        let header =
            restored.authorization("https://push.example.net", "https://kayse.example.com", now);
        let (token, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key.public_base64url());
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        let verifying = VerifyingKey::from_sec1_bytes(&decode_base64url(k).unwrap()).unwrap();
        let signature = Signature::from_slice(&decode_base64url(signature).unwrap()).unwrap();
        verifying.verify(signing_input.as_bytes(), &signature).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &decode_base64url(signing_input.split_once('.').unwrap().1).unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["sub"], "https://kayse.example.com");
        let exp = claims["exp"].as_i64().unwrap();
        assert!(exp > now.timestamp() && exp <= now.timestamp() + 24 * 3600);
    }
}
