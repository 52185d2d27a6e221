//! The push-service stand-in the push tests run on loopback. Like a real push service it
//! records each push, answers per device as a test scripts it, and checks the VAPID
//! signature (RFC 8292); like the browser it decrypts each message with the subscription's
//! private key (RFC 8291). Written from the RFCs, independently of the server's code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Utc;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// One push as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub device: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The push service: records every push and answers per device as told. A device named
/// `stall…` gets no answer until the test calls `release`; one named `endless…` gets a
/// 400 whose body never ends.
#[derive(Clone)]
pub struct PushService {
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Device name → statuses to answer, in turn, before answering 201.
    pub scripted: Arc<Mutex<HashMap<String, Vec<u16>>>>,
    stalled: Arc<tokio::sync::Semaphore>,
}

impl Default for PushService {
    fn default() -> Self {
        PushService {
            received: Default::default(),
            scripted: Default::default(),
            stalled: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

impl PushService {
    pub async fn start() -> (PushService, String) {
        let service = PushService::default();
        let router = axum::Router::new()
            .route("/push/{device}", axum::routing::post(receive))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (service, origin)
    }

    pub fn answer(&self, device: &str, statuses: &[u16]) {
        self.scripted.lock().unwrap().insert(device.to_owned(), statuses.to_vec());
    }

    /// Lets the stalled answers go.
    pub fn release(&self) {
        self.stalled.add_permits(1_000);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn received_by(&self, device: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.device == device).collect()
    }
}

async fn receive(
    State(service): State<PushService>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    service.received.lock().unwrap().push(Received {
        device: device.clone(),
        headers,
        body: body.to_vec(),
    });
    if device.starts_with("stall") {
        let _permit = service.stalled.acquire().await.unwrap();
    }
    if device.starts_with("endless") {
        let chunks = futures_util::stream::repeat_with(|| {
            Ok::<_, std::convert::Infallible>(Bytes::from(vec![b'x'; 64 * 1024]))
        });
        return (StatusCode::BAD_REQUEST, axum::body::Body::from_stream(chunks)).into_response();
    }
    let mut scripted = service.scripted.lock().unwrap();
    match scripted.get_mut(&device) {
        Some(statuses) if !statuses.is_empty() => {
            StatusCode::from_u16(statuses.remove(0)).unwrap().into_response()
        }
        _ => StatusCode::CREATED.into_response(),
    }
}

/// A browser's side of a subscription: its key pair and auth secret.
pub struct Device {
    pub name: String,
    pub endpoint: String,
    pub secret: SecretKey,
    pub auth: [u8; 16],
}

impl Device {
    pub fn new(origin: &str, name: &str) -> Device {
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Device { name: name.to_owned(), endpoint: format!("{origin}/push/{name}"), secret, auth }
    }

    /// What `JSON.stringify(pushSubscription)` gives.
    pub fn json(&self) -> String {
        serde_json::json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": B64.encode(self.secret.public_key().to_encoded_point(false).as_bytes()),
                "auth": B64.encode(self.auth),
            },
        })
        .to_string()
    }

    /// RFC 8291 section 3 and RFC 8188, the receiving side.
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let salt = &body[..16];
        let record_size = u32::from_be_bytes(body[16..20].try_into().unwrap());
        assert_eq!(record_size, 4096);
        let id_len = body[20] as usize;
        assert_eq!(id_len, 65, "the key id is the sender's uncompressed public key");
        let sender_point = &body[21..21 + id_len];
        let sealed = &body[21 + id_len..];
        let sender = PublicKey::from_sec1_bytes(sender_point).unwrap();
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(self.secret.public_key().to_encoded_point(false).as_bytes());
        info.extend_from_slice(sender_point);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut key = [0u8; 16];
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut key).unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&key)
            .unwrap()
            .decrypt(Nonce::from_slice(&nonce), sealed)
            .expect("decrypts with the device key");
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "a single, last record ends with the 0x02 delimiter");
        plain
    }
}

/// Checks the push the way a push service does, and returns the decrypted message.
pub fn open(push: &Received, device: &Device, server_key: &str, origin: &str) -> serde_json::Value {
    assert_eq!(push.headers.get(header::CONTENT_ENCODING).unwrap(), "aes128gcm");
    assert_eq!(push.headers.get("ttl").unwrap(), "86400");
    let authorization = push.headers.get(header::AUTHORIZATION).unwrap().to_str().unwrap();
    let (token, k) = authorization.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, server_key, "signed with the key browsers subscribed with");
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let verifying = VerifyingKey::from_sec1_bytes(&B64.decode(k).unwrap()).unwrap();
    let signature = Signature::from_slice(&B64.decode(signature).unwrap()).unwrap();
    verifying.verify(signing_input.as_bytes(), &signature).expect("a valid ES256 signature");
    let (header_part, claims_part) = signing_input.split_once('.').unwrap();
    let jwt_header: serde_json::Value =
        serde_json::from_slice(&B64.decode(header_part).unwrap()).unwrap();
    assert_eq!(jwt_header["alg"], "ES256");
    let claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(claims_part).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin, "the audience is the push service's origin");
    assert_eq!(claims["sub"], "mailto:ops@kayse.test");
    let exp = claims["exp"].as_i64().unwrap();
    let now = Utc::now().timestamp();
    assert!(exp > now && exp <= now + 24 * 3600, "expires within 24 hours: {exp}");
    serde_json::from_slice(&device.decrypt(&push.body)).unwrap()
}
