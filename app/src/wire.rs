//! How data travel to the browser: server functions' results and errors (`AppError`),
//! server-rendered resources and the WebSocket's live events are postcard, a compact binary
//! form of the same serde types.
//!
//! JSON made every result type carry its own parser in the WASM: a field-name matcher and
//! both map and array forms, 3–7 KB per type, a tenth of all the code the browser loaded.
//! Postcard reads fields in order, so each type costs a fraction of that, and the payloads
//! are smaller too. Arguments still travel as forms or JSON (readable, forms work before the
//! WASM arrives, and serialising is cheap). A field must never be `skip_serializing_if`.

use crate::error::AppError;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// `output = Bin` on every server function.
pub type Bin = leptos::server_fn::codec::Postcard;

/// The resource codec: postcard bytes, base64 in the page.
pub struct Postcard;

impl<T: Serialize> codee::Encoder<T> for Postcard {
    type Error = postcard::Error;
    type Encoded = Vec<u8>;

    fn encode(val: &T) -> Result<Vec<u8>, Self::Error> {
        postcard::to_allocvec(val)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for Postcard {
    type Error = postcard::Error;
    type Encoded = [u8];

    fn decode(val: &[u8]) -> Result<T, Self::Error> {
        postcard::from_bytes(val)
    }
}

/// A server function's result, loaded on the server and carried into the page.
pub type Loaded<T> = Resource<Result<T, AppError>, Postcard>;

/// `Resource::new` with the postcard codec.
#[track_caller]
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
