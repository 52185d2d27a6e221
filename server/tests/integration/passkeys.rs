//! Passkeys through the real router, with a software authenticator (P-256, "none"
//! attestation, as a platform authenticator answers): adding, naming, renaming and
//! removing one; "Sign in with a passkey"; a passkey as the second factor; and the checks
//! (single-use ceremonies, the signature, the counter never going back).

use app::auth::api::{
    BeginPasskeySecondStep, BeginPasskeySignIn, FinishPasskeySecondStep, FinishPasskeySignIn,
    GetSecondStepOptions, SecondStepOptions,
};
use app::backend::passkeys::NOT_ACCEPTED;
use app::error::AppError;
use app::security::api::{
    BeginPasskeyRegistration, FinishPasskeyRegistration, PasskeyRegistrationStart, RemovePasskey,
    RenamePasskey, SecureMyAccount,
};
use app::shell::api::CurrentAccount;
use app::ui::passkeys::PasskeyChallenge;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::harness::{DEMO_EMAIL, DEMO_PASSWORD, Reply, TestApp, spawn};
use crate::security_tab::{PENDING, enable_two_factor, overview, password_step};

const ORIGIN: &str = "http://kayse.test:3000";
const RP_ID: &str = "kayse.test";

/// An authenticator in software: one credential, user verification always given.
struct SoftAuthenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A CBOR byte-string header.
fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = match bytes.len() {
        n if n < 24 => vec![0x40 + n as u8],
        n if n < 256 => vec![0x58, n as u8],
        n => vec![0x59, (n >> 8) as u8, n as u8],
    };
    out.extend_from_slice(bytes);
    out
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = vec![0x60 + text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

impl SoftAuthenticator {
    fn new() -> Self {
        let seed = Sha256::digest(app::backend::tokens::new_token().as_bytes());
        let id = Sha256::digest(app::backend::tokens::new_token().as_bytes());
        SoftAuthenticator {
            key: SigningKey::from_slice(&seed).unwrap(),
            credential_id: id[..16].to_vec(),
            user_handle: Vec::new(),
            counter: 0,
        }
    }

    /// Another key claiming this one's credential: what a forger would send.
    fn impostor(&self) -> Self {
        let mut forger = SoftAuthenticator::new();
        forger.credential_id = self.credential_id.clone();
        forger.user_handle = self.user_handle.clone();
        forger.counter = self.counter;
        forger
    }

    fn client_data(kind: &str, options: &serde_json::Value) -> Vec<u8> {
        serde_json::json!({
            "type": kind,
            "challenge": options["publicKey"]["challenge"],
            "origin": ORIGIN,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// `navigator.credentials.create` answered: the credential as `toJSON()` gives it.
    fn register(&mut self, options: &str) -> String {
        let options: serde_json::Value = serde_json::from_str(options).unwrap();
        assert_eq!(options["publicKey"]["rp"]["id"], RP_ID);
        assert_eq!(
            options["publicKey"]["authenticatorSelection"]["residentKey"], "required",
            "passkeys are made discoverable"
        );
        self.user_handle =
            URL_SAFE_NO_PAD.decode(options["publicKey"]["user"]["id"].as_str().unwrap()).unwrap();
        let client_data = Self::client_data("webauthn.create", &options);
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut cose_key = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cose_key.extend(cbor_bytes(point.x().unwrap()));
        cose_key.push(0x22);
        cose_key.extend(cbor_bytes(point.y().unwrap()));
        let mut auth_data = Sha256::digest(RP_ID.as_bytes()).to_vec();
        auth_data.push(0x45); // user present, user verified, attested credential data
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]); // AAGUID
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend(cose_key);
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        serde_json::json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": { "credProps": { "rk": true } },
        })
        .to_string()
    }

    /// `navigator.credentials.get` answered, with the next signature counter.
    fn assert(&mut self, options: &str) -> String {
        self.counter += 1;
        self.assert_with_counter(options, self.counter)
    }

    fn assert_with_counter(&self, options: &str, counter: u32) -> String {
        let options: serde_json::Value = serde_json::from_str(options).unwrap();
        let client_data = Self::client_data("webauthn.get", &options);
        let mut auth_data = Sha256::digest(RP_ID.as_bytes()).to_vec();
        auth_data.push(0x05); // user present, user verified
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        serde_json::json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }
}

/// Adds a passkey named `name` to the signed-in person; returns the authenticator.
async fn add_passkey(app: &TestApp, token: &mut String, name: &str) -> SoftAuthenticator {
    let begun =
        app.call::<BeginPasskeyRegistration>(&[("password", DEMO_PASSWORD)], Some(token)).await;
    assert!(begun.status.is_success(), "{}", begun.text());
    *token = begun.session_token().unwrap_or_else(|| token.clone());
    let begun: PasskeyRegistrationStart = begun.json();
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator.register(&begun.challenge.options);
    let finished = app
        .call::<FinishPasskeyRegistration>(
            &[("ceremony", &begun.challenge.ceremony), ("credential", &credential), ("name", name)],
            Some(token),
        )
        .await;
    assert!(finished.status.is_success(), "{}", finished.text());
    authenticator
}

async fn passkey_sign_in(app: &TestApp, authenticator: &mut SoftAuthenticator) -> Reply {
    let challenge: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let answer = authenticator.assert(&challenge.options);
    app.call::<FinishPasskeySignIn>(
        &[
            ("ceremony", &challenge.ceremony),
            ("credential", &answer),
            ("next", "/settings/security"),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn a_passkey_is_added_with_a_name_then_renamed_and_removed() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;

    // The password first, every time.
    let wrong = app.call::<BeginPasskeyRegistration>(&[("password", "not it")], Some(&token)).await;
    assert_eq!(
        wrong.app_error().message_for("password").as_deref(),
        Some("That password is not correct.")
    );
    let begun =
        app.call::<BeginPasskeyRegistration>(&[("password", DEMO_PASSWORD)], Some(&token)).await;
    assert!(begun.status.is_success(), "{}", begun.text());
    token = begun.session_token().unwrap();
    let begun: PasskeyRegistrationStart = begun.json();
    assert!(!begun.suggested_name.is_empty());
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator.register(&begun.challenge.options);
    let finish = |name: &'static str| {
        let ceremony = begun.challenge.ceremony.clone();
        let credential = credential.clone();
        let token = token.clone();
        let app = &app;
        async move {
            app.call::<FinishPasskeyRegistration>(
                &[("ceremony", &ceremony), ("credential", &credential), ("name", name)],
                Some(&token),
            )
            .await
        }
    };
    // A name to fix does not use the prompt up.
    let unnamed = finish("   ").await;
    assert_eq!(
        unnamed.app_error().message_for("name").as_deref(),
        Some("Give the passkey a name.")
    );
    let added = finish("MacBook Touch ID").await;
    assert!(added.status.is_success(), "{}", added.text());
    // The ceremony works once.
    let again = finish("Twice").await;
    assert!(matches!(again.app_error(), AppError::Rejected(_)));

    let listed = overview(&app, &token).await;
    assert!(listed.passkeys_available);
    assert_eq!(listed.passkeys.len(), 1);
    assert_eq!(listed.passkeys[0].name, "MacBook Touch ID");
    assert_eq!(listed.passkeys[0].last_used, None);
    assert!(listed.activity.iter().any(|a| a.what == "Passkey added"));
    let told = app.outbox_with_subject("A passkey was added to your Kayse account");
    assert_eq!(told.len(), 1);
    assert!(told[0]["text"].as_str().unwrap().contains("\"MacBook Touch ID\""));
    assert!(told[0]["links"][0].as_str().unwrap().contains("/secure-account?token="));

    // Using it marks it used.
    assert!(passkey_sign_in(&app, &mut authenticator).await.session_token().is_some());
    let id = overview(&app, &token).await.passkeys[0].id.to_string();
    assert!(overview(&app, &token).await.passkeys[0].last_used.is_some());

    let renamed =
        app.call::<RenamePasskey>(&[("id", &id), ("name", "Work laptop")], Some(&token)).await;
    assert!(renamed.status.is_success(), "{}", renamed.text());
    assert_eq!(overview(&app, &token).await.passkeys[0].name, "Work laptop");
    let too_long = "x".repeat(61);
    let refused =
        app.call::<RenamePasskey>(&[("id", &id), ("name", &too_long)], Some(&token)).await;
    assert!(refused.app_error().message_for("name").is_some());

    // Someone else cannot touch it.
    let other = crate::sessions::other_user(&app).await;
    let theirs = app.call::<RenamePasskey>(&[("id", &id), ("name", "Mine")], Some(&other)).await;
    assert_eq!(theirs.app_error(), AppError::NotFound);
    let theirs =
        app.call::<RemovePasskey>(&[("id", &id), ("password", DEMO_PASSWORD)], Some(&other)).await;
    assert_eq!(theirs.app_error(), AppError::NotFound);

    // A password typed is checked, even minutes after the last one.
    let wrong =
        app.call::<RemovePasskey>(&[("id", &id), ("password", "not it")], Some(&token)).await;
    assert_eq!(
        wrong.app_error().message_for("password").as_deref(),
        Some("That password is not correct.")
    );
    let removed =
        app.call::<RemovePasskey>(&[("id", &id), ("password", DEMO_PASSWORD)], Some(&token)).await;
    assert!(removed.status.is_success(), "{}", removed.text());
    // Entering the password renews the session's token.
    token = removed.session_token().expect("a fresh token");
    assert!(overview(&app, &token).await.passkeys.is_empty());
    assert_eq!(app.outbox_with_subject("A passkey was removed from your Kayse account").len(), 1);
    // And it no longer signs anyone in.
    let gone = passkey_sign_in(&app, &mut authenticator).await;
    assert_eq!(gone.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));
}

#[tokio::test]
async fn sign_in_with_a_passkey_checks_the_signature_and_the_counter() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let mut authenticator = add_passkey(&app, &mut token, "Phone").await;

    // No email, no password: the passkey names the account.
    let signed_in = passkey_sign_in(&app, &mut authenticator).await;
    let session = signed_in.session_token().expect("a session");
    let me = app.call::<CurrentAccount>(&[], Some(&session)).await;
    assert!(me.status.is_success());
    assert!(me.text().contains(DEMO_EMAIL));

    // A counter that goes back is a cloned authenticator: refused.
    let challenge: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let cloned = authenticator.assert_with_counter(&challenge.options, 1);
    let refused = app
        .call::<FinishPasskeySignIn>(
            &[("ceremony", &challenge.ceremony), ("credential", &cloned)],
            None,
        )
        .await;
    assert_eq!(refused.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));

    // The same authenticator with its counter moving on is fine: the counter was the fault.
    let challenge: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let honest = authenticator.assert(&challenge.options);
    let accepted = app
        .call::<FinishPasskeySignIn>(
            &[("ceremony", &challenge.ceremony), ("credential", &honest)],
            None,
        )
        .await;
    assert!(accepted.session_token().is_some(), "{}", accepted.text());

    // Another key claiming the credential: refused.
    let challenge: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let forged = authenticator.impostor().assert(&challenge.options);
    let refused = app
        .call::<FinishPasskeySignIn>(
            &[("ceremony", &challenge.ceremony), ("credential", &forged)],
            None,
        )
        .await;
    assert_eq!(refused.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));

    // An answer for one ceremony does not finish another, and garbage is refused plainly.
    let first: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let second: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let for_first = authenticator.assert(&first.options);
    let crossed = app
        .call::<FinishPasskeySignIn>(
            &[("ceremony", &second.ceremony), ("credential", &for_first)],
            None,
        )
        .await;
    assert_eq!(crossed.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));
    let garbage = app
        .call::<FinishPasskeySignIn>(&[("ceremony", &first.ceremony), ("credential", "{}")], None)
        .await;
    assert_eq!(garbage.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));

    // "Secure my account" removes passkeys: one may be the intruder's.
    let secured = app.call::<SecureMyAccount>(&[], Some(&session)).await;
    assert!(secured.status.is_success(), "{}", secured.text());
    let after = passkey_sign_in(&app, &mut authenticator).await;
    assert_eq!(after.app_error(), AppError::Rejected(NOT_ACCEPTED.into()));
}

#[tokio::test]
async fn one_passkey_answer_sent_sixty_times_at_once_signs_in_once() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    let mut authenticator = add_passkey(&app, &mut token, "Phone").await;
    let challenge: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let answer = authenticator.assert(&challenge.options);
    let form = [("ceremony", challenge.ceremony.as_str()), ("credential", answer.as_str())];
    let replies = futures_util::future::join_all(
        (0..60).map(|_| app.call::<FinishPasskeySignIn>(&form, None)),
    )
    .await;
    let sessions = replies.iter().filter(|r| r.session_token().is_some()).count();
    assert_eq!(sessions, 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for refused in replies.iter().filter(|r| r.session_token().is_none()) {
        assert!(matches!(refused.app_error(), AppError::Rejected(_)), "{}", refused.text());
    }
}

#[tokio::test]
async fn a_passkey_is_a_second_factor_after_the_password() {
    let app = spawn().await;
    let mut token = app.sign_in_demo().await;
    enable_two_factor(&app, &mut token).await;
    let mut authenticator = add_passkey(&app, &mut token, "Phone").await;

    let pending = password_step(&app, "203.0.113.8").await;
    let cookie = format!("{PENDING}={pending}");
    let options: SecondStepOptions =
        app.call_with_cookie::<GetSecondStepOptions>(&[], &cookie, "203.0.113.8").await.json();
    assert!(options.passkey, "the account has a passkey to offer");
    let without: SecondStepOptions = app.call::<GetSecondStepOptions>(&[], None).await.json();
    assert!(!without.passkey, "nothing of an account without its pending cookie");

    // Without the pending cookie there is nothing to finish.
    let orphan = app.call::<BeginPasskeySecondStep>(&[], None).await;
    assert!(matches!(orphan.app_error(), AppError::Rejected(_)));
    // A sign-in ceremony cannot stand in for the second step's.
    let wrong_kind: PasskeyChallenge = app.call::<BeginPasskeySignIn>(&[], None).await.json();
    let answer = authenticator.assert(&wrong_kind.options);
    let refused = app
        .call_with_cookie::<FinishPasskeySecondStep>(
            &[("ceremony", &wrong_kind.ceremony), ("credential", &answer)],
            &cookie,
            "203.0.113.8",
        )
        .await;
    assert!(matches!(refused.app_error(), AppError::Rejected(_)));

    let challenge: PasskeyChallenge =
        app.call_with_cookie::<BeginPasskeySecondStep>(&[], &cookie, "203.0.113.8").await.json();
    let answer = authenticator.assert(&challenge.options);
    let done = app
        .call_with_cookie::<FinishPasskeySecondStep>(
            &[("ceremony", &challenge.ceremony), ("credential", &answer)],
            &cookie,
            "203.0.113.8",
        )
        .await;
    assert!(done.status.is_success() || done.status.is_redirection(), "{}", done.text());
    let session = done.session_token().expect("a session after the passkey");
    assert!(app.call::<CurrentAccount>(&[], Some(&session)).await.status.is_success());
    // The half-finished sign-in is used up.
    let challenge =
        app.call_with_cookie::<BeginPasskeySecondStep>(&[], &cookie, "203.0.113.8").await;
    assert!(matches!(challenge.app_error(), AppError::Rejected(_)));
}

#[tokio::test]
async fn sixty_passkey_sign_ins_begun_at_once_from_one_address_get_thirty_ceremonies() {
    let app = spawn().await;
    let replies = futures_util::future::join_all(
        (0..60).map(|_| app.call_from::<BeginPasskeySignIn>(&[], None, "198.51.100.60")),
    )
    .await;
    let begun = replies.iter().filter(|r| r.status.is_success()).count();
    assert_eq!(begun, 30);
    for refused in replies.iter().filter(|r| !r.status.is_success()) {
        assert_eq!(refused.status, 429, "{}", refused.text());
    }
    // Another address is not held up.
    assert!(
        app.call_from::<BeginPasskeySignIn>(&[], None, "198.51.100.61").await.status.is_success()
    );
}
