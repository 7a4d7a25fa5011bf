//! `Error` ⇄ JS `MachineActionError`, both ways, so an error that crossed into
//! JS (a token provider's rejection) comes back as the same error.

use crate::error::{Error, ErrorKind};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

const NAME: &str = "MachineActionError";

const KINDS: [ErrorKind; 12] = [
    ErrorKind::InvalidInput,
    ErrorKind::Unauthorized,
    ErrorKind::Forbidden,
    ErrorKind::NotFound,
    ErrorKind::BadRequest,
    ErrorKind::RateLimited,
    ErrorKind::Server,
    ErrorKind::Network,
    ErrorKind::Timeout,
    ErrorKind::Aborted,
    ErrorKind::InvalidResponse,
    ErrorKind::NotCancellable,
];

/// A JS `Error` named `MachineActionError` with the facts as properties, each
/// `null` when unknown, and the JS cause kept as `cause`.
pub(crate) fn error_to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(error.message());
    js.set_name(NAME);
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&js, &JsValue::from_str(key), &value);
    };
    let text = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    let number = |value: Option<f64>| value.map_or(JsValue::NULL, JsValue::from_f64);
    set("kind", JsValue::from_str(error.kind().as_str()));
    set("status_code", number(error.status_code().map(f64::from)));
    set("error_code", text(error.error_code()));
    set("correlation_id", text(error.correlation_id()));
    set(
        "retry_after_seconds",
        number(error.retry_after_seconds().map(|s| s as f64)),
    );
    set("attempts", JsValue::from_f64(error.attempts().into()));
    set("action_status", text(error.action_status()));
    if let Some(cause) = error.js_cause() {
        set("cause", cause.clone());
    }
    js.into()
}

/// The error back from a JS `MachineActionError`; `None` for any other value.
pub(crate) fn error_from_js(value: &JsValue) -> Option<Error> {
    let js = value.dyn_ref::<js_sys::Error>()?;
    if js.name() != NAME {
        return None;
    }
    let get = |key: &str| Reflect::get(js, &JsValue::from_str(key)).unwrap_or_default();
    let kind_name = get("kind").as_string()?;
    let kind = KINDS.into_iter().find(|k| k.as_str() == kind_name)?;
    let message: String = js.message().into();
    let mut error = Error::new(kind, message)
        .with_error_code(get("error_code").as_string())
        .with_correlation_id(get("correlation_id").as_string())
        .with_retry_after(get("retry_after_seconds").as_f64().map(|s| s as u64));
    if let Some(status) = get("status_code").as_f64() {
        error = error.with_status(status as u16);
    }
    if let Some(status) = get("action_status").as_string() {
        error = error.with_action_status(&status);
    }
    let cause = get("cause");
    if !cause.is_undefined() {
        error = error.with_cause(cause);
    }
    Some(error)
}
