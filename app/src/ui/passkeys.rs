//! The browser's side of passkeys, for every page that makes or uses one: the server's
//! ceremony options go to the WebAuthn API (`PublicKeyCredential.parse…FromJSON`, then
//! `navigator.credentials.create` or `.get`), and the credential comes back as the JSON of
//! its `toJSON()`, which the server checks. Called from event handlers only, so never on
//! the server.

use serde::{Deserialize, Serialize};

/// A ceremony begun by the server: its token and the options for the browser (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    pub ceremony: String,
    pub options: String,
}

/// Makes a passkey with the options of a registration ceremony.
pub async fn create_passkey(options: &str) -> Result<String, String> {
    run_ceremony(options, "parseCreationOptionsFromJSON", "create").await
}

/// Uses a passkey with the options of an authentication ceremony.
pub async fn use_passkey(options: &str) -> Result<String, String> {
    run_ceremony(options, "parseRequestOptionsFromJSON", "get").await
}

async fn run_ceremony(options: &str, parse: &str, call: &str) -> Result<String, String> {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    let unsupported = || "This browser does not support passkeys.".to_owned();
    let window = web_sys::window().ok_or_else(unsupported)?;
    let constructor = Reflect::get(&window, &JsValue::from_str("PublicKeyCredential"))
        .ok()
        .filter(|c| !c.is_undefined())
        .ok_or_else(unsupported)?;
    let parse = Reflect::get(&constructor, &JsValue::from_str(parse))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(unsupported)?;
    let options = JSON::parse(options).map_err(|_| failed())?;
    let public_key =
        Reflect::get(&options, &JsValue::from_str("publicKey")).map_err(|_| failed())?;
    let public_key = parse.call1(&constructor, &public_key).map_err(|_| failed())?;
    let request = Object::new();
    Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key).map_err(|_| failed())?;
    let credentials = Reflect::get(&window.navigator(), &JsValue::from_str("credentials"))
        .map_err(|_| unsupported())?;
    let call = Reflect::get(&credentials, &JsValue::from_str(call))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(unsupported)?;
    let promise: Promise = call
        .call1(&credentials, &request)
        .map_err(|err| explain(&err))?
        .dyn_into()
        .map_err(|_| failed())?;
    let credential =
        wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|err| explain(&err))?;
    if credential.is_null() {
        return Err(failed());
    }
    JSON::stringify(&credential).map(String::from).map_err(|_| failed())
}

fn failed() -> String {
    "The passkey could not be used. Please try again.".to_owned()
}

/// What the browser's refusal means for the person.
fn explain(error: &wasm_bindgen::JsValue) -> String {
    let name = js_sys::Reflect::get(error, &wasm_bindgen::JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "AbortError" => {
            "The passkey prompt was closed or timed out. Please try again.".to_owned()
        }
        "InvalidStateError" => "This device already has a passkey for your account.".to_owned(),
        "NotSupportedError" => "This device cannot make a passkey.".to_owned(),
        "SecurityError" => {
            "Passkeys only work when this site is opened at its own address.".to_owned()
        }
        _ => failed(),
    }
}
