//! The JS API: `cancelMachineAction`, `MachineActionsClient`, `ClientCredentials` and
//! `isMachineActionError`, with the options they read and the values and
//! errors they return. Types for TypeScript are in `exports.d.ts`.

use super::client::MachineActionsClient;
#[cfg(feature = "edge")]
use super::credentials::{ClientCredentials, DEFAULT_REFRESH_BEFORE_SECONDS};
use super::js_error::{error_from_js, error_to_js};
use super::options::{action_id, argument, comment, CallOptions, ClientOptions};
#[cfg(feature = "edge")]
use super::options::{CredentialsOptions, Opt};
#[cfg(feature = "edge")]
use crate::entra::{ClientCredentialsConfig, Cloud};
#[cfg(feature = "edge")]
use crate::error::Error;
use crate::response::ActionResponse;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("exports.d.ts");

#[cfg(feature = "edge")]
#[wasm_bindgen(typescript_custom_section)]
const CREDENTIALS_TYPES: &str = include_str!("credentials.d.ts");

/// `cancelMachineAction(options)`: the one-shot form of
/// `new MachineActionsClient(options).cancel(…)`.
#[wasm_bindgen(js_name = cancelMachineAction, skip_typescript)]
pub async fn cancel_machine_action(options: JsValue) -> Result<JsValue, JsValue> {
    let run = async {
        let mut options = ClientOptions::read(&options)?;
        let id = action_id(std::mem::take(&mut options.machine_action_id))?;
        let comment = comment(std::mem::take(&mut options.comment))?;
        let client = options.client()?;
        let call = options.call()?;
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
    pub(super) inner: MachineActionsClient,
}

#[wasm_bindgen(js_class = MachineActionsClient)]
impl JsMachineActionsClient {
    /// Validates the options; throws a `MachineActionError` when one breaks a rule.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsMachineActionsClient, JsValue> {
        ClientOptions::read(&options)
            .and_then(|mut options| options.client())
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
                let id = action_id(argument(machine_action_id))?;
                let comment = comment(argument(comment_text))?;
                let call = CallOptions::read(&options)?;
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
                let id = action_id(argument(machine_action_id))?;
                let call = CallOptions::read(&options)?;
                client.get(&id, call.timeout, call.signal.as_ref()).await
            };
            run.await.map(|r| result_to_js(&r)).map_err(error_to_js)
        })
    }
}

#[cfg(feature = "edge")]
/// `new ClientCredentials({ tenantId, clientId, clientSecret, cloud,
/// authorityUrl, scope, refreshBeforeExpirySeconds, timeoutMs })`: Entra ID
/// client-credentials tokens, cached and refreshed; pass it as `token`.
#[cfg(feature = "edge")]
#[wasm_bindgen(js_name = ClientCredentials, skip_typescript)]
#[derive(Debug)]
pub struct JsClientCredentials {
    inner: ClientCredentials,
}

#[cfg(feature = "edge")]
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

#[cfg(feature = "edge")]
fn credentials_from(options: &JsValue) -> Result<ClientCredentials, Error> {
    let o = CredentialsOptions::read(options)?;
    let tenant_id = CredentialsOptions::required(
        o.tenant_id,
        "tenantId is required: the directory (tenant) ID, a string.",
    )?;
    let client_id = CredentialsOptions::required(
        o.client_id,
        "clientId is required: the Application (client) ID, a string.",
    )?;
    let client_secret = CredentialsOptions::required(
        o.client_secret,
        "clientSecret is required: the client secret's value, a string.",
    )?;
    let cloud = match CredentialsOptions::optional(o.cloud, "cloud must be a string.")? {
        Some(name) => Cloud::parse(&name)?,
        None => Cloud::default(),
    };
    let authority =
        CredentialsOptions::optional(o.authority_url, "authorityUrl must be a string.")?;
    let scope = CredentialsOptions::optional(o.scope, "scope must be a string.")?;
    const BAD_REFRESH: &str =
        "refreshBeforeExpirySeconds must be a number of seconds from 0 to 3600.";
    let refresh = match o.refresh_before_expiry_seconds {
        Opt::Absent => DEFAULT_REFRESH_BEFORE_SECONDS,
        Opt::Given(s) if (0.0..=3600.0).contains(&s) => s as u32,
        _ => return Err(Error::invalid_input(BAD_REFRESH)),
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
        CredentialsOptions::timeout(o.timeout_ms)?.unwrap_or_default(),
    ))
}

/// `checkMachineActionId(value)`: `null` for an id the package would send,
/// else the message it would refuse it with — so a form checks ids by the
/// package's rule, not one of its own.
#[wasm_bindgen(js_name = checkMachineActionId, skip_typescript)]
pub fn check_machine_action_id(value: JsValue) -> JsValue {
    match action_id(argument(value)) {
        Ok(_) => JsValue::NULL,
        Err(error) => JsValue::from_str(error.message()),
    }
}

/// `tokenAudience(baseUrl)`: the audience a Defender token for `baseUrl`
/// must have (the same for every commercial regional host); `null` for a
/// host that is not Defender's (a proxy, the simulator) or a bad URL.
#[wasm_bindgen(js_name = tokenAudience, skip_typescript)]
pub fn token_audience(base_url: JsValue) -> JsValue {
    base_url
        .as_string()
        .and_then(|text| crate::input::BaseUrl::parse(&text).ok())
        .and_then(|base| crate::entra::Cloud::of_base_url(&base))
        .map_or(JsValue::NULL, |cloud| JsValue::from_str(cloud.audience()))
}

/// `isMachineActionError(value)`: true for errors this package throws.
#[wasm_bindgen(js_name = isMachineActionError, skip_typescript)]
pub fn is_machine_action_error(value: &JsValue) -> bool {
    error_from_js(value).is_some()
}

// The result object built by the engine in one call: a crossing per field
// and per header costs more than the rest of the conversion.
#[wasm_bindgen(inline_js = r#"
export function make_result(status_code, reason, headers, json_body, outcome, notice) {
  const response_headers = {};
  const parts = headers === "" ? [] : headers.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) response_headers[parts[i]] = parts[i + 1];
  const result = { status_code, reason, response_headers, json_body };
  if (outcome !== undefined) Object.assign(result, { outcome, notice: notice ?? null });
  return result;
}
"#)]
extern "C" {
    fn make_result(
        status_code: u16,
        reason: &str,
        headers: &str,
        json_body: &JsValue,
        outcome: Option<String>,
        notice: Option<String>,
    ) -> JsValue;
}

/// The result object, `{status_code, reason, response_headers, json_body,
/// outcome, notice}`, with `json_body` the engine's own parsed body (see
/// [`crate::raw`]): nothing is rebuilt or re-serialised. Header names and
/// values cannot hold a line break, so they travel as one text.
pub(super) fn result_to_js(result: &ActionResponse) -> JsValue {
    let mut headers = String::new();
    for (name, value) in &result.response_headers {
        if !headers.is_empty() {
            headers.push('\n');
        }
        headers.push_str(name);
        headers.push('\n');
        headers.push_str(value);
    }
    make_result(
        result.status_code,
        &result.reason,
        &headers,
        &result.json_body,
        result.outcome.map(|o| o.as_str().to_owned()),
        result.notice.clone(),
    )
}
