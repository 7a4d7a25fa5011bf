//! The JS API: `cancelMachineAction`, `MachineActionsClient`, `ClientCredentials` and
//! `isMachineActionError`, with the options they read and the values and
//! errors they return. Types for TypeScript are in `exports.d.ts`.

use super::client::MachineActionsClient;
use super::credentials::{ClientCredentials, DEFAULT_REFRESH_BEFORE_SECONDS};
use super::js_error::{error_from_js, error_to_js};
use super::quota_source::QuotaSource;
use super::token::TokenSource;
use crate::entra::{ClientCredentialsConfig, Cloud};
use crate::error::Error;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use crate::quota::{Limit, DEFENDER_LIMITS};
use crate::response::ActionResponse;
use crate::retry::RetryPolicy;
use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("exports.d.ts");

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

/// `new ClientCredentials({ tenantId, clientId, clientSecret, cloud,
/// authorityUrl, scope, refreshBeforeExpirySeconds, timeoutMs })`: Entra ID
/// client-credentials tokens, cached and refreshed; pass it as `token`.
#[wasm_bindgen(js_name = ClientCredentials, skip_typescript)]
#[derive(Debug)]
pub struct JsClientCredentials {
    inner: ClientCredentials,
}

#[wasm_bindgen(js_class = ClientCredentials)]
impl JsClientCredentials {
    /// Validates the options; throws a `MachineActionError` when one breaks a rule.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsClientCredentials, JsValue> {
        credentials_from(&options)
            .map(|inner| JsClientCredentials { inner })
            .map_err(error_to_js)
    }

    /// A Promise of a fresh access token.
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self) -> Promise {
        self.inner.token_promise()
    }

    /// Forgets the cached token.
    pub fn invalidate(&self) {
        self.inner.invalidate();
    }

    /// How many token requests were sent to Entra ID.
    #[wasm_bindgen(getter, js_name = tokenRequests)]
    pub fn token_requests(&self) -> u32 {
        self.inner.token_requests()
    }
}

fn credentials_from(options: &JsValue) -> Result<ClientCredentials, Error> {
    let options = object(options, "options must be an object.")?;
    let required = |key: &str, message: &'static str| {
        string_or_absent(&get(&options, key), message)?.ok_or(Error::invalid_input(message))
    };
    let optional =
        |key: &str, message: &'static str| string_or_absent(&get(&options, key), message);
    let tenant_id = required(
        "tenantId",
        "tenantId is required: the directory (tenant) ID, a string.",
    )?;
    let client_id = required(
        "clientId",
        "clientId is required: the Application (client) ID, a string.",
    )?;
    let client_secret = required(
        "clientSecret",
        "clientSecret is required: the client secret's value, a string.",
    )?;
    let cloud = match optional("cloud", "cloud must be a string.")? {
        Some(name) => Cloud::parse(&name)?,
        None => Cloud::default(),
    };
    let authority = optional("authorityUrl", "authorityUrl must be a string.")?;
    let scope = optional("scope", "scope must be a string.")?;
    let refresh = get(&options, "refreshBeforeExpirySeconds");
    let refresh = if refresh.is_undefined() || refresh.is_null() {
        DEFAULT_REFRESH_BEFORE_SECONDS
    } else {
        match refresh.as_f64() {
            Some(s) if (0.0..=3600.0).contains(&s) => s as u32,
            _ => {
                return Err(Error::invalid_input(
                    "refreshBeforeExpirySeconds must be a number of seconds from 0 to 3600.",
                ))
            }
        }
    };
    let config = ClientCredentialsConfig::new(
        &tenant_id,
        &client_id,
        &client_secret,
        cloud,
        authority.as_deref(),
        scope.as_deref(),
    )?;
    Ok(ClientCredentials::new(
        config,
        refresh,
        timeout(&options)?.unwrap_or_default(),
    ))
}

/// `isMachineActionError(value)`: true for errors this package throws.
#[wasm_bindgen(js_name = isMachineActionError, skip_typescript)]
pub fn is_machine_action_error(value: &JsValue) -> bool {
    error_from_js(value).is_some()
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
            "token is required: an access token for the Defender API, a function that returns one, or a provider such as ClientCredentials.",
        ));
    } else if token.is_object() && get(token.unchecked_ref(), "getToken").is_function() {
        TokenSource::Provider(token.unchecked_into())
    } else {
        let text = string(
            &token,
            "token must be a string, a function that returns one, or an object with getToken().",
        )?;
        TokenSource::Static(AccessToken::parse(&text)?)
    };
    let retries = get(options, "retries");
    let retry = if retries.is_undefined() || retries.is_null() {
        RetryPolicy::default()
    } else {
        match retries.as_f64() {
            Some(n) if (0.0..=10.0).contains(&n) && n.fract() == 0.0 => {
                RetryPolicy::with_retries(n as u32)
            }
            _ => {
                return Err(Error::invalid_input(
                    "retries must be a whole number from 0 to 10.",
                ))
            }
        }
    };
    let quota = get(options, "quota");
    let quota = match QuotaSource::provider(&quota) {
        Some(provider) => provider,
        None => QuotaSource::limits(&quota_limits(&quota)?),
    };
    Ok(MachineActionsClient::with_quota(
        token, base_url, timeout, retry, quota,
    ))
}

/// `quota`: absent for Defender's limits, `false` for none, or a list of
/// `{ calls, windowMs }` (a provider is read by `QuotaSource::provider`).
pub(super) fn quota_limits(value: &JsValue) -> Result<Vec<Limit>, Error> {
    const BAD: &str = "quota must be false, a list of { calls, windowMs } with whole numbers from 1 to 1000000 calls and 1 to 86400000 ms, or a provider with acquire() and release().";
    if value.is_undefined() || value.is_null() {
        return Ok(DEFENDER_LIMITS.to_vec());
    }
    if value.as_bool() == Some(false) {
        return Ok(Vec::new());
    }
    let list = value
        .dyn_ref::<js_sys::Array>()
        .ok_or(Error::invalid_input(BAD))?;
    let number = |item: &JsValue, key: &str, max: f64| {
        get(item.unchecked_ref(), key)
            .as_f64()
            .filter(|n| (1.0..=max).contains(n) && n.fract() == 0.0)
            .ok_or(Error::invalid_input(BAD))
    };
    list.iter()
        .map(|item| {
            if !item.is_object() {
                return Err(Error::invalid_input(BAD));
            }
            Ok(Limit {
                calls: number(&item, "calls", 1e6)? as u32,
                window_ms: number(&item, "windowMs", 864e5)? as u64,
            })
        })
        .collect()
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
    let converted: String = text.into();
    // The conversion turns a lone surrogate into U+FFFD. Only a text that now
    // holds one is checked code unit by code unit (a JS call per unit, far
    // too slow to do for every argument).
    if converted.contains('\u{FFFD}') && !text.is_valid_utf16() {
        return Err(Error::invalid_input(
            "a text argument contains an unpaired UTF-16 surrogate; pass well-formed text.",
        ));
    }
    Ok(converted)
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
