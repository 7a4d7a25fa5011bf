//! `Error` ⇄ JS `MachineActionError`, both ways, so an error that crossed into
//! JS (a token provider's rejection) comes back as the same error.
//!
//! `MachineActionError` is a real class (`class … extends Error`), exported by
//! the package, so `instanceof` works. Only errors this module made are
//! recognised: they are kept in a module-private `WeakSet`, so an object
//! shaped like one, or named like one, is not taken for one.

use crate::error::{Error, ErrorKind, Source};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const made = new WeakSet();
export class MachineActionError extends Error {
  constructor(message, options) {
    super(message, options && "cause" in options ? { cause: options.cause } : undefined);
    this.name = "MachineActionError";
  }
}
export function make_error(message, facts) {
  const error = new MachineActionError(message, facts);
  for (const key of Object.keys(facts)) if (key !== "cause") error[key] = facts[key];
  made.add(error);
  return error;
}
export function is_made(value) { return made.has(value); }
"#)]
extern "C" {
    fn make_error(message: &str, facts: &Object) -> JsValue;
    fn is_made(value: &JsValue) -> bool;
}

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

/// A `MachineActionError` with the facts as properties, each `null` when
/// unknown, and the JS cause kept as `cause`.
pub(crate) fn error_to_js(error: Error) -> JsValue {
    let facts = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&facts, &JsValue::from_str(key), &value);
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
    set("source", JsValue::from_str(error.source().as_str()));
    set("retryable", JsValue::from_bool(error.is_transient()));
    if let Some(cause) = error.js_cause() {
        set("cause", cause.clone());
    }
    make_error(error.message(), &facts)
}

/// The error back from a `MachineActionError` this module made; `None` for
/// any other value.
pub(crate) fn error_from_js(value: &JsValue) -> Option<Error> {
    if !is_made(value) {
        return None;
    }
    let js = value.dyn_ref::<js_sys::Error>()?;
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
    if let Some(attempts) = get("attempts").as_f64() {
        error = error.with_attempts(attempts as u32);
    }
    let source = get("source").as_string();
    for known in [Source::Defender, Source::Entra, Source::Client] {
        if source.as_deref() == Some(known.as_str()) {
            error = error.with_source(known);
        }
    }
    let cause = get("cause");
    if !cause.is_undefined() {
        error = error.with_cause(cause);
    }
    Some(error)
}
