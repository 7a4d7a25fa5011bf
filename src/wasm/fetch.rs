//! Sends an [`HttpRequest`] with the global `fetch` and reads the answer into
//! an [`HttpResponse`]. Nothing here decides what a response means.

use super::deadline::Deadline;
use crate::error::{Error, ErrorKind};
use crate::http::{refused_send, HttpRequest, HttpResponse};
use crate::raw::BodyText;
use crate::request::write_json_string;
use crate::response::{max_body_bytes, too_large};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, RequestInit, Response, ResponseType};

#[wasm_bindgen]
extern "C" {
    // The global `fetch`, the same in browsers, workers, Node, Deno and workerd.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Promise;

    // The engine's parser on the engine's own string: no copy back out of
    // wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// Performs one exchange within `deadline`. Redirects are not followed, so the
/// `Authorization` header never travels to another address. The answer's
/// head (its `body` text left empty) and its body text, read as a stream and
/// never past [`max_body_bytes`].
pub(crate) async fn send(
    request: &HttpRequest,
    deadline: &Deadline,
) -> Result<(HttpResponse, BodyText), Error> {
    let init = request_init(request);
    init.set_signal(Some(&deadline.signal()));
    // The signal aborts fetch and body reads in every runtime tested, so no
    // extra race is needed here (the token function, which may ignore it, is
    // raced).
    let response: Response = JsFuture::from(global_fetch(&request.url, &init))
        .await
        .map_err(|e| match refused_send(&error_name(&e), &request.url) {
            Some(refused) => refused.with_cause(e),
            None => deadline.failure(e),
        })?
        .unchecked_into();
    let status = if response.type_() == ResponseType::Opaqueredirect {
        0
    } else {
        response.status()
    };
    let headers = read_headers(&response);
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.trim().parse::<u64>().ok());
    let limit = max_body_bytes(request);
    if length.is_some_and(|length| length > limit as u64) {
        return Err(too_large(status, limit));
    }
    // The length bounds the text only when it is the body's own: not
    // compressed, and not a cross-origin answer whose Content-Encoding the
    // browser hides. Then `text()` is bounded and quicker than a stream.
    let identity = !headers.iter().any(|(name, value)| {
        (name == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity"))
            || name == "transfer-encoding"
    });
    let bounded = length.is_some() && identity && response.type_() != ResponseType::Cors;
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
    let text = if bounded {
        read_text(&response).await
    } else {
        read_bounded(&response, limit).await
    }
    .map_err(|e| match e {
        Read::Failed(e) => body_failed(e),
        Read::TooLarge => too_large(status, limit),
    })?;
    let head = HttpResponse {
        status,
        reason: response.status_text(),
        headers,
        body: String::new(),
    };
    Ok((head, text))
}

/// A JS error's `name`, or nothing for a value that is not an `Error`.
fn error_name(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| error.name().into())
        .unwrap_or_default()
}

enum Read {
    Failed(JsValue),
    TooLarge,
}

/// The whole body at once, for an answer whose length is announced, within
/// the bound, and its own (see `send`); parsed by the engine as well.
async fn read_text(response: &Response) -> Result<BodyText, Read> {
    let text = response.text().map_err(Read::Failed)?;
    let text = JsFuture::from(text).await.map_err(Read::Failed)?;
    Ok(BodyText {
        parsed: parse_json(&text).ok(),
        text: text.as_string().unwrap_or_default(),
    })
}

/// The body, chunk by chunk, in bytes: reading stops (and the stream is
/// cancelled, closing the connection) as soon as it passes
/// `limit`, so an endless or huge body costs at most that much
/// memory, in every runtime. The chunks wait on the JS side and are copied
/// into wasm memory once, at their exact size. Bytes that are not UTF-8 read
/// as U+FFFD, as `text()` reads them.
async fn read_bounded(response: &Response, limit: usize) -> Result<BodyText, Read> {
    let Some(stream) = response.body() else {
        return Ok(BodyText::default());
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let chunks = Array::new();
    let mut total = 0usize;
    loop {
        let next = JsFuture::from(reader.read()).await.map_err(Read::Failed)?;
        let done = Reflect::get(&next, &JsValue::from_str("done")).unwrap_or_default();
        if done.is_truthy() {
            break;
        }
        let chunk: Uint8Array = Reflect::get(&next, &JsValue::from_str("value"))
            .map_err(Read::Failed)?
            .unchecked_into();
        total += chunk.length() as usize;
        if total > limit {
            let _ = reader.cancel();
            return Err(Read::TooLarge);
        }
        chunks.push(&chunk);
    }
    let mut bytes = vec![0u8; total];
    let mut at = 0;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        let end = at + chunk.length() as usize;
        chunk.copy_to(&mut bytes[at..end]);
        at = end;
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
    .into())
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

// All headers in one string, a line per name and per value: a header can
// hold no line break, and one crossing costs less than one per header.
#[wasm_bindgen(inline_js = r#"
export function header_lines(headers) {
  let text = "";
  for (const [name, value] of headers) text += name + "\n" + value + "\n";
  return text;
}
"#)]
extern "C" {
    fn header_lines(headers: &web_sys::Headers) -> String;
}

/// All headers as `(name, value)` pairs in arrival order; names come
/// lower-cased from every runtime's `Headers`.
fn read_headers(response: &Response) -> Vec<(String, String)> {
    let text = header_lines(&response.headers());
    let mut lines = text.split('\n');
    let mut headers = Vec::new();
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        headers.push((name.to_owned(), value.to_owned()));
    }
    headers
}
