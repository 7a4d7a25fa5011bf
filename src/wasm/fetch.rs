//! Sends an [`HttpRequest`] with the global `fetch` and reads the answer into
//! an [`HttpResponse`]. Nothing here decides what a response means.

use super::deadline::Deadline;
use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse};
use crate::raw::Body;
use crate::request::write_json_string;
use crate::response::{too_large, MAX_BODY_BYTES};
use js_sys::{Array, JsString, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    // The global `fetch`, the same in browsers, workers, Node, Deno and workerd.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Promise;

    // The engine's parser, on the engine's string: the body is never copied
    // into wasm memory unless it fails to parse.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;
}

/// Performs one exchange within `deadline`. Redirects are not followed, so the
/// `Authorization` header never travels to another address. The answer's
/// head (its `body` text left empty) and its body as the engine parsed it.
pub(crate) async fn send(
    request: &HttpRequest,
    deadline: &Deadline,
) -> Result<(HttpResponse, Body), Error> {
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
    let body = match parse_json(&text) {
        Ok(json) => Body::Json(json),
        Err(_) => Body::unparsable(&String::from(text)),
    };
    let head = HttpResponse {
        status,
        reason: response.status_text(),
        headers,
        body: String::new(),
    };
    Ok((head, body))
}

/// `{method, headers, body, redirect: "manual"}` as one JSON text parsed by
/// the engine: one crossing instead of a dozen setter calls.
fn request_init(request: &HttpRequest) -> RequestInit {
    let mut text = String::with_capacity(256 + request.body.as_ref().map_or(0, String::len));
    text.push_str("{\"method\":\"");
    text.push_str(request.method.as_str());
    text.push_str("\",\"redirect\":\"manual\",\"headers\":{");
    for (i, (name, value)) in request.headers.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        write_json_string(&mut text, name);
        text.push(':');
        write_json_string(&mut text, value);
    }
    text.push('}');
    if let Some(body) = &request.body {
        text.push_str(",\"body\":");
        write_json_string(&mut text, body);
    }
    text.push('}');
    js_sys::JSON::parse(&text)
        .unwrap_or_else(|_| Object::new().into())
        .unchecked_into()
}

/// All headers as `[name, value]` pairs (`Array.from(headers)`), typed by
/// serde-wasm-bindgen: names come lower-cased from every runtime's `Headers`.
fn read_headers(response: &Response) -> Vec<(String, String)> {
    serde_wasm_bindgen::from_value(Array::from(&response.headers()).into()).unwrap_or_default()
}
