//! The JS API: `cancelMachineAction`, `MachineActionsClient` and
//! `isMachineActionError`, with the options they read and the values and
//! errors they return. Types for TypeScript are in `exports.d.ts`.

use super::client::MachineActionsClient;
use super::token::TokenSource;
use crate::error::Error;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use crate::response::ActionResponse;
use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("exports.d.ts");

const ERROR_NAME: &str = "MachineActionError";

/// `cancelMachineAction(options)`: the one-shot form of
/// `new MachineActionsClient(options).cancel(…)`.
#[wasm_bindgen(js_name = cancelMachineAction, skip_typescript)]
pub async fn cancel_machine_action(options: JsValue) -> Result<JsValue, JsValue> {
    let run = async {
        let options = object(&options, "options must be an object.")?;
        let id = action_id(&options)?;
        let comment = comment(&get(&options, "comment"))?;
        let client = client_from(&options)?;
        let call = CallOptions::read(&options)?;
        client
            .cancel(&id, &comment, call.timeout, call.signal.as_ref())
            .await
    };
    run.await.map(|r| result_to_js(&r)).map_err(error_to_js)
}

/// `new MachineActionsClient({ token, baseUrl, timeoutMs })`.
#[wasm_bindgen(js_name = MachineActionsClient, skip_typescript)]
#[derive(Debug)]
pub struct JsMachineActionsClient {
    inner: MachineActionsClient,
}

#[wasm_bindgen(js_class = MachineActionsClient)]
impl JsMachineActionsClient {
    /// Validates the options; throws a `MachineActionError` when one breaks a rule.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsMachineActionsClient, JsValue> {
        object(&options, "options must be an object.")
            .and_then(|options| client_from(&options))
            .map(|inner| JsMachineActionsClient { inner })
            .map_err(error_to_js)
    }

    /// `cancel(machineActionId, comment, { signal, timeoutMs })`.
    pub fn cancel(
        &self,
        machine_action_id: JsValue,
        comment_text: JsValue,
        options: JsValue,
    ) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let id = parse_id(&machine_action_id)?;
                let comment = comment(&comment_text)?;
                let call = CallOptions::read_optional(&options)?;
                client
                    .cancel(&id, &comment, call.timeout, call.signal.as_ref())
                    .await
            };
            run.await.map(|r| result_to_js(&r)).map_err(error_to_js)
        })
    }

    /// `get(machineActionId, { signal, timeoutMs })`.
    pub fn get(&self, machine_action_id: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let id = parse_id(&machine_action_id)?;
                let call = CallOptions::read_optional(&options)?;
                client.get(&id, call.timeout, call.signal.as_ref()).await
            };
            run.await.map(|r| result_to_js(&r)).map_err(error_to_js)
        })
    }
}

/// `isMachineActionError(value)`: true for errors this package throws.
#[wasm_bindgen(js_name = isMachineActionError, skip_typescript)]
pub fn is_machine_action_error(value: &JsValue) -> bool {
    value
        .dyn_ref::<js_sys::Error>()
        .is_some_and(|e| e.name() == ERROR_NAME)
}

struct CallOptions {
    timeout: Option<Timeout>,
    signal: Option<AbortSignal>,
}

impl CallOptions {
    fn read(options: &Object) -> Result<Self, Error> {
        Ok(CallOptions {
            timeout: timeout(options)?,
            signal: signal(options)?,
        })
    }

    fn read_optional(options: &JsValue) -> Result<Self, Error> {
        if options.is_undefined() || options.is_null() {
            return Ok(CallOptions {
                timeout: None,
                signal: None,
            });
        }
        CallOptions::read(&object(options, "the call options must be an object.")?)
    }
}

fn client_from(options: &Object) -> Result<MachineActionsClient, Error> {
    let base_url = match string_or_absent(&get(options, "baseUrl"), "baseUrl must be a string.")? {
        Some(text) => BaseUrl::parse(&text)?,
        None => BaseUrl::default(),
    };
    let timeout = timeout(options)?.unwrap_or_default();
    let token = get(options, "token");
    let token = if let Some(function) = token.dyn_ref::<Function>() {
        TokenSource::Function(function.clone())
    } else if token.is_undefined() || token.is_null() {
        return Err(Error::invalid_input(
            "token is required: an access token for the Defender API, or a function that returns one.",
        ));
    } else {
        let text = string(
            &token,
            "token must be a string, or a function that returns one.",
        )?;
        TokenSource::Static(AccessToken::parse(&text)?)
    };
    Ok(MachineActionsClient::new(token, base_url, timeout))
}

fn action_id(options: &Object) -> Result<MachineActionId, Error> {
    parse_id(&get(options, "machineActionId"))
}

fn parse_id(value: &JsValue) -> Result<MachineActionId, Error> {
    if value.is_undefined() || value.is_null() {
        return MachineActionId::parse("");
    }
    MachineActionId::parse(&string(value, "machineActionId must be a string.")?)
}

fn comment(value: &JsValue) -> Result<Comment, Error> {
    if value.is_undefined() || value.is_null() {
        return Comment::parse("");
    }
    Comment::parse(&string(value, "comment must be a string.")?)
}

fn timeout(options: &Object) -> Result<Option<Timeout>, Error> {
    let value = get(options, "timeoutMs");
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(ms) => Timeout::from_millis(ms).map(Some),
        None => Err(Error::invalid_input(
            "timeoutMs must be a number of milliseconds from 1 to 600000.",
        )),
    }
}

fn signal(options: &Object) -> Result<Option<AbortSignal>, Error> {
    let value = get(options, "signal");
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| Error::invalid_input("signal must be an AbortSignal."))
}

fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn object(value: &JsValue, message: &'static str) -> Result<Object, Error> {
    if value.is_object() && !value.is_function() {
        Ok(value.clone().unchecked_into())
    } else {
        Err(Error::invalid_input(message))
    }
}

/// A JS string as Rust text, refusing lone surrogates that would otherwise be
/// silently replaced.
fn string(value: &JsValue, wrong_type: &'static str) -> Result<String, Error> {
    let text = value
        .dyn_ref::<JsString>()
        .ok_or(Error::invalid_input(wrong_type))?;
    if !text.is_valid_utf16() {
        return Err(Error::invalid_input(
            "a text argument contains an unpaired UTF-16 surrogate; pass well-formed text.",
        ));
    }
    Ok(text.into())
}

fn string_or_absent(value: &JsValue, wrong_type: &'static str) -> Result<Option<String>, Error> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        string(value, wrong_type).map(Some)
    }
}

/// One JSON text parsed by the engine: far fewer JS↔wasm crossings than
/// building the object field by field.
fn result_to_js(result: &ActionResponse) -> JsValue {
    js_sys::JSON::parse(&result.to_json_text()).unwrap_or(JsValue::NULL)
}

/// A JS `Error` named `MachineActionError` with the facts as properties, each
/// `null` when unknown, and the JS cause kept as `cause`.
fn error_to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(error.message());
    js.set_name(ERROR_NAME);
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
    if let Some(cause) = error.js_cause() {
        set("cause", cause.clone());
    }
    js.into()
}
