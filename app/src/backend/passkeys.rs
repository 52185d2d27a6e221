//! Passkeys (WebAuthn), the part every feature shares: the relying party made from the
//! public URL, ceremony states kept in the database between a ceremony's two requests
//! (so any instance may finish it, once, within 5 minutes), the stored credentials, and the
//! checks of an assertion (signature, user verification, the signature counter never going
//! back). Adding and managing passkeys is the Security tab's (`security::passkeys`); signing
//! in with one is `auth`'s.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::entities::{passkey, passkey_ceremony};
use super::state::AppState;
use super::tokens::{hash_token, new_token};
use crate::error::AppError;

/// A ceremony (the browser's prompt) must finish within this.
pub const CEREMONY_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

pub const UNAVAILABLE: &str = "Passkeys are not available on this server: it must be reached \
     by a domain name (its public URL), not an IP address.";
const EXPIRED: &str = "This passkey request has expired. Please try again.";
pub const NOT_ACCEPTED: &str = "That passkey was not accepted. Try again, or use another way in.";

/// The relying party for `public_url`: its host is the RP id, its origin the only one
/// accepted. None when the host is an IP address, which WebAuthn does not allow.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let host = match url.host()? {
        url::Host::Domain(domain) => domain.to_owned(),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => return None,
    };
    WebauthnBuilder::new(&host, &url).ok()?.rp_name("Kayse").build().ok()
}

pub fn relying_party_of(state: &AppState) -> Result<&Webauthn, AppError> {
    state.webauthn.as_deref().ok_or_else(|| AppError::Rejected(UNAVAILABLE.into()))
}

/// What a ceremony is for: a ceremony of one kind cannot finish another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SecondStep,
    SignIn,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SecondStep => "second_step",
            Purpose::SignIn => "sign_in",
        }
    }
}

/// Keeps a ceremony's state; returns the token the browser sends back with its answer.
pub async fn begin_ceremony(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Option<i32>,
    state: &impl Serialize,
) -> Result<String, AppError> {
    let now = Utc::now();
    // Ceremonies nobody finished are of no use to anyone: cleared while here.
    passkey_ceremony::Entity::delete_many()
        .filter(passkey_ceremony::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let token = new_token();
    passkey_ceremony::ActiveModel {
        token_hash: Set(hash_token(&token)),
        purpose: Set(purpose.name().to_owned()),
        user_id: Set(user_id),
        state: Set(serde_json::to_string(state)
            .map_err(|err| AppError::internal("passkey ceremony", err))?),
        expires_at: Set(now + CEREMONY_LIFETIME),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Takes a ceremony's state back, once: of two answers to one ceremony only the one that
/// deletes it goes on. Returns whose it was and the state.
pub async fn finish_ceremony<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
) -> Result<(Option<i32>, T), AppError> {
    let expired = || AppError::Rejected(EXPIRED.into());
    let ceremony = passkey_ceremony::Entity::find()
        .filter(passkey_ceremony::Column::TokenHash.eq(hash_token(token)))
        .filter(passkey_ceremony::Column::Purpose.eq(purpose.name()))
        .one(db)
        .await?
        .filter(|c| c.expires_at > Utc::now())
        .ok_or_else(expired)?;
    let deleted = passkey_ceremony::Entity::delete_by_id(ceremony.id).exec(db).await?;
    if deleted.rows_affected != 1 {
        return Err(expired());
    }
    let state = serde_json::from_str(&ceremony.state)
        .map_err(|err| AppError::internal("passkey ceremony", err))?;
    Ok((ceremony.user_id, state))
}

/// The browser's answer (`PublicKeyCredential.toJSON()`), read leniently where browsers
/// differ: a missing `userHandle` is none, and `transports` (hints the server does not use,
/// with values newer than this library) is dropped.
pub fn from_browser<T: DeserializeOwned>(json: &str) -> Result<T, AppError> {
    let refused = || AppError::Rejected(NOT_ACCEPTED.into());
    let mut value: serde_json::Value = serde_json::from_str(json).map_err(|_| refused())?;
    if let Some(response) = value.get_mut("response").and_then(|r| r.as_object_mut()) {
        response.remove("transports");
        response.entry("userHandle").or_insert(serde_json::Value::Null);
    }
    serde_json::from_value(value).map_err(|err| {
        tracing::info!(%err, "a passkey answer could not be read");
        refused()
    })
}

/// The person's passkeys, the oldest first.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<passkey::Model>, AppError> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user_id))
        .order_by_asc(passkey::Column::Id)
        .all(db)
        .await?)
}

pub fn credential(stored: &passkey::Model) -> Result<Passkey, AppError> {
    serde_json::from_str(&stored.credential)
        .map_err(|err| AppError::internal("stored passkey", err))
}

/// The WebAuthn user handle of the person: the one their passkeys share, or a new random
/// one for their first.
pub async fn user_handle(db: &impl ConnectionTrait, user_id: i32) -> Result<Uuid, AppError> {
    let existing = of_user(db, user_id).await?;
    Ok(existing
        .first()
        .and_then(|p| Uuid::parse_str(&p.user_handle).ok())
        .unwrap_or_else(Uuid::new_v4))
}

/// The credential id as stored: base64url, as browsers and the list name it.
pub fn credential_id_text(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Stores a new passkey. A credential registered before (to anyone) is refused.
pub async fn store(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
    handle: Uuid,
    new_passkey: &Passkey,
) -> Result<passkey::Model, AppError> {
    let credential_id = credential_id_text(new_passkey.cred_id().as_ref());
    let taken = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(credential_id.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(AppError::Rejected("That passkey is already registered.".into()));
    }
    Ok(passkey::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        credential_id: Set(credential_id),
        user_handle: Set(handle.to_string()),
        credential: Set(
            serde_json::to_string(new_passkey).map_err(|err| AppError::internal("passkey", err))?
        ),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Starts an assertion with one person's passkeys (the second step of signing in).
pub async fn begin_assertion(state: &AppState, user_id: i32) -> Result<(String, String), AppError> {
    let relying_party = relying_party_of(state)?;
    let stored = of_user(&state.db, user_id).await?;
    if stored.is_empty() {
        return Err(AppError::Rejected("This account has no passkey.".into()));
    }
    let credentials = stored.iter().map(credential).collect::<Result<Vec<_>, _>>()?;
    let (options, ceremony) = relying_party
        .start_passkey_authentication(&credentials)
        .map_err(|err| AppError::internal("passkey assertion", err))?;
    let token = begin_ceremony(&state.db, Purpose::SecondStep, Some(user_id), &ceremony).await?;
    Ok((token, options_json(&options)?))
}

/// Checks an assertion against the ceremony `token` began for `user_id`; records the use.
pub async fn finish_assertion(
    state: &AppState,
    user_id: i32,
    token: &str,
    answer: &str,
) -> Result<passkey::Model, AppError> {
    let relying_party = relying_party_of(state)?;
    let (owner, ceremony): (_, PasskeyAuthentication) =
        finish_ceremony(&state.db, Purpose::SecondStep, token).await?;
    if owner != Some(user_id) {
        return Err(AppError::Rejected(EXPIRED.into()));
    }
    let answer: PublicKeyCredential = from_browser(answer)?;
    let used = stored_by_credential_id(&state.db, answer.get_credential_id())
        .await?
        .filter(|p| p.user_id == user_id)
        .ok_or_else(|| AppError::Rejected(NOT_ACCEPTED.into()))?;
    let result =
        relying_party.finish_passkey_authentication(&answer, &ceremony).map_err(|err| {
            tracing::info!(%err, user_id, "a passkey assertion was refused");
            AppError::Rejected(NOT_ACCEPTED.into())
        })?;
    record_use(&state.db, &used, &result).await?;
    Ok(used)
}

/// Starts "Sign in with a passkey": no account named, the passkey will say.
pub async fn begin_discoverable(state: &AppState) -> Result<(String, String), AppError> {
    let relying_party = relying_party_of(state)?;
    let (mut options, ceremony) = relying_party
        .start_discoverable_authentication()
        .map_err(|err| AppError::internal("passkey sign-in", err))?;
    // A button asks for the prompt at once; the library's default waits for autofill.
    options.mediation = None;
    let token = begin_ceremony(&state.db, Purpose::SignIn, None, &ceremony).await?;
    Ok((token, options_json(&options)?))
}

/// Checks a discoverable assertion; returns the person it signs in and the passkey used.
pub async fn finish_discoverable(
    state: &AppState,
    token: &str,
    answer: &str,
) -> Result<passkey::Model, AppError> {
    let relying_party = relying_party_of(state)?;
    let (_, ceremony): (_, DiscoverableAuthentication) =
        finish_ceremony(&state.db, Purpose::SignIn, token).await?;
    let refused = || AppError::Rejected(NOT_ACCEPTED.into());
    let answer: PublicKeyCredential = from_browser(answer)?;
    let (handle, credential_id) =
        relying_party.identify_discoverable_authentication(&answer).map_err(|_| refused())?;
    let used = stored_by_credential_id(&state.db, credential_id)
        .await?
        .filter(|p| Uuid::parse_str(&p.user_handle).is_ok_and(|h| h == handle))
        .ok_or_else(refused)?;
    let stored = credential(&used)?;
    let result = relying_party
        .finish_discoverable_authentication_v2(&answer, ceremony, &stored)
        .map_err(|err| {
            tracing::info!(%err, user_id = used.user_id, "a passkey sign-in was refused");
            refused()
        })?;
    record_use(&state.db, &used, &result).await?;
    Ok(used)
}

fn options_json(options: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(options).map_err(|err| AppError::internal("passkey options", err))
}

async fn stored_by_credential_id(
    db: &impl ConnectionTrait,
    credential_id: &[u8],
) -> Result<Option<passkey::Model>, AppError> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(credential_id_text(credential_id)))
        .one(db)
        .await?)
}

/// Stores the new signature counter (a later assertion with one not above it is refused as
/// a possible clone) and when the passkey was last used.
async fn record_use(
    db: &impl ConnectionTrait,
    used: &passkey::Model,
    result: &AuthenticationResult,
) -> Result<(), AppError> {
    let mut updated = credential(used)?;
    updated.update_credential(result);
    passkey::Entity::update_many()
        .col_expr(
            passkey::Column::Credential,
            Expr::value(
                serde_json::to_string(&updated)
                    .map_err(|err| AppError::internal("passkey", err))?,
            ),
        )
        .col_expr(passkey::Column::LastUsedAt, Expr::value(Some(Utc::now())))
        .filter(passkey::Column::Id.eq(used.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes every passkey of the person ("Secure my account": one may be an intruder's).
pub async fn remove_all(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, AppError> {
    let deleted =
        passkey::Entity::delete_many().filter(passkey::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(deleted.rows_affected)
}
