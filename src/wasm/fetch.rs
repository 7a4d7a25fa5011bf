//! Sends an [`HttpRequest`] with the global `fetch` and reads the answer into
//! an [`HttpResponse`]. Nothing here decides what a response means.

use super::deadline::Deadline;
use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Json, ObjectWriter};
use crate::response::{too_large, MAX_BODY_BYTES};
use js_sys::{JsString, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    // The global `fetch`, the same in browsers, workers, Node, Deno and workerd.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Promise;
}

/// Performs one exchange within `deadline`. Redirects are not followed, so the
/// `Authorization` header never travels to another address.
pub(crate) async fn send(
    request: &HttpRequest,
    deadline: &Deadline,
) -> Result<HttpResponse, Error> {
    let init = request_init(request);
    init.set_signal(Some(&deadline.signal()));
    // The signal aborts fetch and body reads in every runtime tested, so no
    // extra race is needed here (the token function, which may ignore it, is
    // raced).
    let response: Response = JsFuture::from(global_fetch(&request.url, &init))
        .await
        .map_err(|e| deadline.failure(e))?
        .unchecked_into();
    let status = if response.type_() == ResponseType::Opaqueredirect {
        0
    } else {
        response.status()
    };
    let headers = read_headers(&response);
    let announced_too_large = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.trim().parse::<u64>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES as u64);
    if announced_too_large {
        return Err(too_large(status));
    }
    // A failure from here on came after the status line: it carries the
    // status, which also tells the retry policy the request was answered.
    let body_failed = |e: JsValue| {
        let error = deadline.failure(e);
        match (error.kind(), error.js_cause()) {
            (ErrorKind::Network, Some(cause)) => Error::new(
                ErrorKind::Network,
                "The connection broke while the answer's body was arriving: the request reached the server, so check the action's status before sending it again.",
            )
            .with_cause(cause.clone()),
            _ => error,
        }
        .with_status(status)
    };
    let text = response.text().map_err(body_failed)?;
    let text: JsString = JsFuture::from(text)
        .await
        .map_err(body_failed)?
        .unchecked_into();
    // Measured in UTF-16 units before copying into wasm memory: a huge body
    // is refused without doubling it.
    if text.length() as usize > MAX_BODY_BYTES {
        return Err(too_large(status));
    }
    Ok(HttpResponse {
        status,
        reason: response.status_text(),
        headers,
        body: text.into(),
    })
}

/// All headers in three crossings (`Object.fromEntries`, `JSON.stringify`,
/// one string copy) instead of several per header: the iteration protocol
/// made header reading the costliest part of a call.
/// `{method, headers, body, redirect: "manual"}` as one JSON text parsed by
/// the engine: one crossing instead of a dozen setter calls.
fn request_init(request: &HttpRequest) -> RequestInit {
    let mut text = String::with_capacity(256 + request.body.as_ref().map_or(0, String::len));
    let mut init = ObjectWriter::new(&mut text);
    init.string("method", Some(request.method.as_str()));
    let mut headers = ObjectWriter::new(init.member("headers"));
    for (name, value) in &request.headers {
        headers.string(name, Some(value));
    }
    headers.end();
    if let Some(body) = &request.body {
        init.string("body", Some(body));
    }
    init.string("redirect", Some("manual"));
    init.end();
    js_sys::JSON::parse(&text)
        .unwrap_or_else(|_| Object::new().into())
        .unchecked_into()
}

fn read_headers(response: &Response) -> Vec<(String, String)> {
    let entries = Object::from_entries(&response.headers()).ok();
    let text = entries
        .and_then(|object| js_sys::JSON::stringify(&object).ok())
        .and_then(|text| text.as_string());
    match text.map(|text| Json::parse(&text)) {
        Some(Ok(Json::Object(members))) => members
            .into_iter()
            .filter_map(|(name, value)| match value {
                Json::String(value) => Some((name, value)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
