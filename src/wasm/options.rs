//! The options objects of the JS API, read through serde types with
//! serde-wasm-bindgen, then validated by the core's input types. A field of
//! the wrong type is refused with a message that names it, never with a
//! serde message.

use super::client::MachineActionsClient;
use super::quota_source::QuotaSource;
use super::token::TokenSource;
use crate::error::Error;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use crate::quota::{Limit, DEFENDER_LIMITS};
use crate::raw::from_js;
use crate::retry::RetryPolicy;
use js_sys::{Function, JsString, Object, Reflect};
use serde::de::{Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// One option as the caller passed it.
#[derive(Debug, Default)]
pub(crate) enum Opt<T> {
    /// `undefined` or `null`: the default applies.
    #[default]
    Absent,
    /// A value of the expected JSON kind.
    Given(T),
    /// A value of another kind.
    WrongType,
}

/// A number option.
impl<'de> Deserialize<'de> for Opt<f64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Number;
        impl<'de> Visitor<'de> for Number {
            type Value = Opt<f64>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Opt<f64>, E> {
                Ok(Opt::Given(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Opt<f64>, E> {
                Ok(Opt::Given(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Opt<f64>, E> {
                Ok(Opt::Given(v as f64))
            }
            fn visit_unit<E>(self) -> Result<Opt<f64>, E> {
                Ok(Opt::Absent)
            }
            fn visit_none<E>(self) -> Result<Opt<f64>, E> {
                Ok(Opt::Absent)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Opt<f64>, E> {
                Ok(Opt::WrongType)
            }
            fn visit_str<E>(self, _: &str) -> Result<Opt<f64>, E> {
                Ok(Opt::WrongType)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Opt<f64>, A::Error> {
                Ok(Opt::WrongType)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Opt<f64>, A::Error> {
                Ok(Opt::WrongType)
            }
        }
        d.deserialize_any(Number)
    }
}

/// An option kept as the JS value it is (a string checked for lone
/// surrogates, a function, a provider, a signal), `Absent` when nullish.
impl<'de> Deserialize<'de> for Opt<JsValue> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
        Ok(if value.is_undefined() || value.is_null() {
            Opt::Absent
        } else {
            Opt::Given(value)
        })
    }
}

impl Opt<JsValue> {
    /// A string option, as Rust text.
    pub(super) fn text(self, wrong_type: &'static str) -> Result<Option<String>, Error> {
        match self {
            Opt::Given(value) => string(&value, wrong_type).map(Some),
            _ => Ok(None),
        }
    }
}

impl Opt<f64> {
    /// A number option: absent, or given and checked by `check`.
    pub(super) fn number(self, wrong_type: &'static str) -> Result<Option<f64>, Error> {
        match self {
            Opt::Absent => Ok(None),
            Opt::Given(n) => Ok(Some(n)),
            Opt::WrongType => Err(Error::invalid_input(wrong_type)),
        }
    }
}

/// `{ token, baseUrl, timeoutMs, retries, quota }`, and for
/// `cancelMachineAction` also `machineActionId`, `comment` and `signal`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientOptions {
    #[serde(default)]
    token: Opt<JsValue>,
    #[serde(default)]
    base_url: Opt<JsValue>,
    #[serde(default)]
    timeout_ms: Opt<f64>,
    #[serde(default)]
    retries: Opt<f64>,
    #[serde(default)]
    quota: Opt<JsValue>,
    #[serde(default)]
    pub(crate) machine_action_id: Opt<JsValue>,
    #[serde(default)]
    pub(crate) comment: Opt<JsValue>,
    #[serde(default)]
    signal: Opt<JsValue>,
}

/// `{ signal, timeoutMs }` of one call.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallOptions {
    #[serde(default)]
    timeout_ms: Opt<f64>,
    #[serde(default)]
    signal: Opt<JsValue>,
}

/// The validated form of [`CallOptions`].
pub(crate) struct Call {
    pub(crate) timeout: Option<Timeout>,
    pub(crate) signal: Option<AbortSignal>,
}

impl CallOptions {
    /// Reads optional call options (`undefined` or `null` for none).
    pub(crate) fn read(value: &JsValue) -> Result<Call, Error> {
        let options: CallOptions = if value.is_undefined() || value.is_null() {
            CallOptions::default()
        } else {
            read_object(value, "the call options must be an object.")?
        };
        Ok(Call {
            timeout: timeout(options.timeout_ms)?,
            signal: signal(options.signal)?,
        })
    }
}

impl ClientOptions {
    /// Reads the options object of `cancelMachineAction` or the client.
    pub(crate) fn read(value: &JsValue) -> Result<ClientOptions, Error> {
        read_object(value, "options must be an object.")
    }

    /// The client these options describe.
    pub(crate) fn client(&mut self) -> Result<MachineActionsClient, Error> {
        let base_url = match std::mem::take(&mut self.base_url).text("baseUrl must be a string.")? {
            Some(text) => BaseUrl::parse(&text)?,
            None => BaseUrl::default(),
        };
        let timeout = timeout(std::mem::take(&mut self.timeout_ms))?.unwrap_or_default();
        let token = match std::mem::take(&mut self.token) {
            Opt::Given(token) => token_source(token)?,
            _ => {
                return Err(Error::invalid_input(
                    "token is required: an access token for the Defender API, a function that returns one, or a provider such as ClientCredentials.",
                ))
            }
        };
        const BAD_RETRIES: &str = "retries must be a whole number from 0 to 10.";
        let retry = match std::mem::take(&mut self.retries).number(BAD_RETRIES)? {
            None => RetryPolicy::default(),
            Some(n) if (0.0..=10.0).contains(&n) && n.fract() == 0.0 => {
                RetryPolicy::with_retries(n as u32)
            }
            Some(_) => return Err(Error::invalid_input(BAD_RETRIES)),
        };
        let quota = match std::mem::take(&mut self.quota) {
            #[cfg(feature = "edge")]
            Opt::Given(value) if QuotaSource::provider(&value).is_some() => {
                QuotaSource::provider(&value).unwrap_or_else(|| QuotaSource::limits(&[]))
            }
            Opt::Given(value) => QuotaSource::limits(&quota_limits(&value)?),
            _ => QuotaSource::limits(&DEFENDER_LIMITS),
        };
        Ok(MachineActionsClient::with_quota(
            token, base_url, timeout, retry, quota,
        ))
    }

    /// The call options carried by `cancelMachineAction`'s options.
    pub(crate) fn call(&mut self) -> Result<Call, Error> {
        Ok(Call {
            timeout: timeout(std::mem::take(&mut self.timeout_ms))?,
            signal: signal(std::mem::take(&mut self.signal))?,
        })
    }
}

fn token_source(token: JsValue) -> Result<TokenSource, Error> {
    if let Some(function) = token.dyn_ref::<Function>() {
        return Ok(TokenSource::Function(function.clone()));
    }
    if token.is_object() && get(token.unchecked_ref(), "getToken").is_function() {
        return Ok(TokenSource::Provider(token.unchecked_into()));
    }
    let text = string(
        &token,
        "token must be a string, a function that returns one, or an object with getToken().",
    )?;
    AccessToken::parse(&text).map(TokenSource::Static)
}

/// `quota`: absent for Defender's limits, `false` for none, or a list of
/// `{ calls, windowMs }` (a provider is read by `QuotaSource::provider`).
pub(super) fn quota_limits(value: &JsValue) -> Result<Vec<Limit>, Error> {
    const BAD: &str = "quota must be false, a list of { calls, windowMs } with whole numbers from 1 to 1000000 calls and 1 to 86400000 ms, or a provider with acquire() and release().";
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Window {
        #[serde(default)]
        calls: Opt<f64>,
        #[serde(default)]
        window_ms: Opt<f64>,
    }
    if value.is_undefined() || value.is_null() {
        return Ok(DEFENDER_LIMITS.to_vec());
    }
    if value.as_bool() == Some(false) {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(value) {
        return Err(Error::invalid_input(BAD));
    }
    let windows: Vec<Window> = from_js(value.clone()).ok_or(Error::invalid_input(BAD))?;
    let whole = |n: Opt<f64>, max: f64| match n {
        Opt::Given(n) if (1.0..=max).contains(&n) && n.fract() == 0.0 => Ok(n),
        _ => Err(Error::invalid_input(BAD)),
    };
    windows
        .into_iter()
        .map(|w| {
            Ok(Limit {
                calls: whole(w.calls, 1e6)? as u32,
                window_ms: whole(w.window_ms, 864e5)? as u64,
            })
        })
        .collect()
}

/// `new ClientCredentials({...})`'s options.
#[cfg(feature = "edge")]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialsOptions {
    #[serde(default)]
    pub(crate) tenant_id: Opt<JsValue>,
    #[serde(default)]
    pub(crate) client_id: Opt<JsValue>,
    #[serde(default)]
    pub(crate) client_secret: Opt<JsValue>,
    #[serde(default)]
    pub(crate) cloud: Opt<JsValue>,
    #[serde(default)]
    pub(crate) authority_url: Opt<JsValue>,
    #[serde(default)]
    pub(crate) scope: Opt<JsValue>,
    #[serde(default)]
    pub(crate) refresh_before_expiry_seconds: Opt<f64>,
    #[serde(default)]
    pub(crate) timeout_ms: Opt<f64>,
}

#[cfg(feature = "edge")]
impl CredentialsOptions {
    /// Reads the options object.
    pub(crate) fn read(value: &JsValue) -> Result<CredentialsOptions, Error> {
        read_object(value, "options must be an object.")
    }

    /// A required string option.
    pub(crate) fn required(value: Opt<JsValue>, message: &'static str) -> Result<String, Error> {
        value.text(message)?.ok_or(Error::invalid_input(message))
    }

    /// An optional string option.
    pub(crate) fn optional(
        value: Opt<JsValue>,
        message: &'static str,
    ) -> Result<Option<String>, Error> {
        value.text(message)
    }

    /// The token request's own deadline.
    pub(crate) fn timeout(value: Opt<f64>) -> Result<Option<Timeout>, Error> {
        timeout(value)
    }
}

/// Reads an options object into `T`; anything but a plain object is refused.
pub(super) fn read_object<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    message: &'static str,
) -> Result<T, Error> {
    if !value.is_object() || value.is_function() {
        return Err(Error::invalid_input(message));
    }
    from_js(value.clone()).ok_or(Error::invalid_input(message))
}

/// The machine action id argument.
pub(crate) fn action_id(value: Opt<JsValue>) -> Result<MachineActionId, Error> {
    MachineActionId::parse(
        &value
            .text("machineActionId must be a string.")?
            .unwrap_or_default(),
    )
}

/// The comment argument.
pub(crate) fn comment(value: Opt<JsValue>) -> Result<Comment, Error> {
    Comment::parse(&value.text("comment must be a string.")?.unwrap_or_default())
}

/// A positional argument as an option value.
pub(crate) fn argument(value: JsValue) -> Opt<JsValue> {
    if value.is_undefined() || value.is_null() {
        Opt::Absent
    } else {
        Opt::Given(value)
    }
}

pub(super) fn timeout(value: Opt<f64>) -> Result<Option<Timeout>, Error> {
    value
        .number("timeoutMs must be a number of milliseconds from 1 to 600000.")?
        .map(Timeout::from_millis)
        .transpose()
}

pub(super) fn signal(value: Opt<JsValue>) -> Result<Option<AbortSignal>, Error> {
    match value {
        Opt::Given(value) => value
            .dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|_| Error::invalid_input("signal must be an AbortSignal.")),
        _ => Ok(None),
    }
}

fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS string as Rust text, refusing lone surrogates that would otherwise be
/// silently replaced.
pub(super) fn string(value: &JsValue, wrong_type: &'static str) -> Result<String, Error> {
    let text = value
        .dyn_ref::<JsString>()
        .ok_or(Error::invalid_input(wrong_type))?;
    let converted: String = text.into();
    // The conversion turns a lone surrogate into U+FFFD. Only a text that now
    // holds one is checked code unit by code unit (a JS call per unit, far
    // too slow to do for every argument). Searched by bytes: `contains` of a
    // char beyond ASCII would link `str`'s substring searcher.
    if crate::redact::find(&converted, "\u{FFFD}").is_some() && !text.is_valid_utf16() {
        return Err(Error::invalid_input(
            "a text argument contains an unpaired UTF-16 surrogate; pass well-formed text.",
        ));
    }
    Ok(converted)
}
