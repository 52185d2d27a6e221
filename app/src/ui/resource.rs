//! Resources whose server-rendered value reaches the browser through the same JSON reader
//! as the server functions' answers.
//!
//! Leptos's default resource codec reads the value the server rendered into the page with
//! `serde_json::from_str`, while every server function reads its answer with
//! `serde_json::from_slice`. The two readers are distinct types, so each value type and the
//! error type got their deserializer compiled twice (the Profile tab's three alone: about
//! 22 KB of wasm on every first visit). This codec reads the page's copy as bytes, so one
//! copy serves both.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON as Leptos's default codec writes it, read with the server functions' reader.
pub struct JsonBytesCodec;

impl<T: Serialize> Encoder<T> for JsonBytesCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytesCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A resource loaded by a server function: `Resource::new`, with the codec above.
#[track_caller]
pub fn server_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, JsonBytesCodec>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
