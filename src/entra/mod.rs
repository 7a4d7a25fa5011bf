//! Tokens from Microsoft Entra ID by the OAuth2 client-credentials flow, as
//! plain requests and responses: `POST {authority}/{tenant}/oauth2/v2.0/token`.
//!
//! The secret is held in [`ClientSecret`], whose `Debug` is redacted, and is
//! scrubbed from every error built from Entra's answers.

mod cache;

pub use cache::{TokenCache, TokenLookup, REFRESH_RETRY_MS};

use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::input::{AccessToken, BaseUrl, MachineActionId};
use crate::lenient::{self, Scalar};
use crate::raw::Body;
use crate::request::percent_encode;
use crate::response::push_u64;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A Microsoft cloud: where to sign in, and the API audience to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// Commercial, global and regional hosts (`eu.`, `us.`, …) alike: the
    /// audience is always `api.securitycenter.microsoft.com`, never a
    /// regional host (that fails with AADSTS500011).
    #[default]
    Commercial,
    /// US Government Community Cloud.
    Gcc,
    /// US GCC High and DoD.
    GccHigh,
}

impl Cloud {
    /// Reads `commercial`, `gcc`, `gcc-high` or `dod`.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "commercial" => Ok(Cloud::Commercial),
            "gcc" => Ok(Cloud::Gcc),
            "gcc-high" | "dod" => Ok(Cloud::GccHigh),
            _ => Err(Error::invalid_input(
                "cloud must be \"commercial\", \"gcc\", \"gcc-high\" or \"dod\".",
            )),
        }
    }

    /// The sign-in authority.
    pub fn authority(self) -> &'static str {
        match self {
            Cloud::Commercial | Cloud::Gcc => "https://login.microsoftonline.com",
            Cloud::GccHigh => "https://login.microsoftonline.us",
        }
    }

    /// The cloud a Defender API base URL belongs to; `None` for any other
    /// host (a proxy, the simulator), whose audience is its own.
    pub fn of_base_url(base: &crate::input::BaseUrl) -> Option<Cloud> {
        let host = base
            .as_str()
            .strip_prefix("https://")?
            .split(['/', ':'])
            .next()?
            .to_ascii_lowercase();
        let under = |domain: &str| host == domain || host.ends_with(&[".", domain].concat());
        if host.starts_with("api-gcc.") && under("microsoft.us") {
            Some(Cloud::Gcc)
        } else if under("microsoft.us") {
            Some(Cloud::GccHigh)
        } else if under("security.microsoft.com") || under("securitycenter.microsoft.com") {
            Some(Cloud::Commercial)
        } else {
            None
        }
    }

    /// The audience of a Defender API token: the scope without `/.default`.
    pub fn audience(self) -> &'static str {
        // `strip_suffix`, not `trim_end_matches`: a text pattern there would
        // link `str`'s substring searcher into the module.
        let scope = self.scope();
        scope.strip_suffix("/.default").unwrap_or(scope)
    }

    /// The scope (audience + `/.default`) for the Defender API.
    pub fn scope(self) -> &'static str {
        match self {
            Cloud::Commercial => "https://api.securitycenter.microsoft.com/.default",
            Cloud::Gcc => "https://api-gcc.securitycenter.microsoft.us/.default",
            Cloud::GccHigh => "https://api-gov.securitycenter.microsoft.us/.default",
        }
    }
}

/// An app registration's client secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Accepts a non-empty secret of printable characters, at most 1 KB.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.is_empty() || text.len() > 1024 || text.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "clientSecret must be the secret's value: non-empty, at most 1 KB, no control characters.",
            ));
        }
        Ok(ClientSecret(text.to_owned()))
    }

    /// The secret, for the form body and for redaction only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

/// Everything a client-credentials token request needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentialsConfig {
    tenant_id: String,
    client_id: String,
    client_secret: ClientSecret,
    authority: BaseUrl,
    scope: String,
}

impl ClientCredentialsConfig {
    /// Validates the parts. `authority` and `scope` default to the cloud's;
    /// `authority` may point elsewhere (a simulator) under the same rules as
    /// a base URL: https, or http to loopback only.
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
        cloud: Cloud,
        authority: Option<&str>,
        scope: Option<&str>,
    ) -> Result<Self, Error> {
        let tenant_ok = MachineActionId::parse(tenant_id).is_ok()
            || (tenant_id.len() <= 253
                && tenant_id.contains('.')
                && tenant_id.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }));
        if !tenant_ok {
            return Err(Error::invalid_input(
                "tenantId must be the directory's GUID or a verified domain such as contoso.onmicrosoft.com.",
            ));
        }
        if MachineActionId::parse(client_id).is_err() {
            return Err(Error::invalid_input(
                "clientId must be the app registration's Application (client) ID, a GUID.",
            ));
        }
        let scope = scope.unwrap_or(cloud.scope());
        if scope.is_empty() || !scope.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "scope must be a URI such as https://api.securitycenter.microsoft.com/.default.",
            ));
        }
        Ok(ClientCredentialsConfig {
            tenant_id: tenant_id.to_ascii_lowercase(),
            client_id: client_id.to_ascii_lowercase(),
            client_secret: ClientSecret::parse(client_secret)?,
            authority: BaseUrl::parse(authority.unwrap_or(cloud.authority()))?,
            scope: scope.to_owned(),
        })
    }

    /// The secret, so errors can be scrubbed of it.
    pub fn client_secret(&self) -> &ClientSecret {
        &self.client_secret
    }

    /// `POST {authority}/{tenant}/oauth2/v2.0/token` with the form body.
    pub fn token_request(&self) -> HttpRequest {
        let mut url = String::from(self.authority.as_str());
        url.push('/');
        url.push_str(&self.tenant_id);
        url.push_str("/oauth2/v2.0/token");
        let mut body = String::from("grant_type=client_credentials&client_id=");
        percent_encode(&mut body, &self.client_id);
        body.push_str("&client_secret=");
        percent_encode(&mut body, self.client_secret.secret());
        body.push_str("&scope=");
        percent_encode(&mut body, &self.scope);
        HttpRequest {
            method: Method::Post,
            url,
            headers: vec![
                (
                    "content-type",
                    "application/x-www-form-urlencoded".to_owned(),
                ),
                ("accept", "application/json".to_owned()),
            ],
            body: Some(body),
        }
    }
}

/// An access token and when it stops being valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The bearer token.
    pub access_token: AccessToken,
    /// Expiry, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

/// Reads Entra's answer to a token request made at `now_ms`.
///
/// A refusal becomes [`ErrorKind::Unauthorized`] with advice for its AADSTS
/// code; the secret is scrubbed from everything Entra said.
pub fn interpret_token_response(
    response: HttpResponse,
    now_ms: u64,
    secret: &ClientSecret,
) -> Result<IssuedToken, Error> {
    let body = Body::from_text(&response.body);
    interpret_token_parsed(response, &body, now_ms, secret)
}

/// Entra's token answer, every field optional and read leniently.
#[derive(Debug, Default, Deserialize)]
struct TokenAnswer {
    #[serde(default, deserialize_with = "lenient::string")]
    access_token: Option<String>,
    /// Seconds, as a number or (some proxies) a string.
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string")]
    error: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    error_description: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    error_codes: Option<Vec<ErrorCode>>,
    #[serde(default, deserialize_with = "lenient::string")]
    correlation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    trace_id: Option<String>,
}

/// One of `error_codes`: a whole number, or nothing useful.
#[derive(Debug)]
struct ErrorCode(Option<i64>);

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::integer(d).map(ErrorCode)
    }
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match lenient::scalar(d)? {
        Scalar::Integer(n) => u64::try_from(n).ok(),
        Scalar::Text(text) => text.trim().parse().ok(),
        Scalar::Nothing => None,
    })
}

/// [`interpret_token_response`] for a body the runtime has already parsed:
/// `head`'s own `body` text is not read.
pub fn interpret_token_parsed(
    response: HttpResponse,
    body: &Body,
    now_ms: u64,
    secret: &ClientSecret,
) -> Result<IssuedToken, Error> {
    let answer: TokenAnswer = body.decode().unwrap_or_default();
    if response.status == 200 {
        let token = answer.access_token.map(|t| AccessToken::parse(&t));
        return match (token, answer.expires_in) {
            (Some(Ok(access_token)), Some(seconds)) => Ok(IssuedToken {
                access_token,
                expires_at_ms: now_ms.saturating_add(seconds.saturating_mul(1000)),
            }),
            _ => Err(Error::new(
                ErrorKind::InvalidResponse,
                "Entra ID answered 200 without a usable access_token and expires_in; check the authority URL.",
            )
            .with_status(200)
            .with_source(crate::error::Source::Entra)),
        };
    }
    let code = answer
        .error_codes
        .and_then(|codes| codes.into_iter().next())
        .and_then(|first| first.0)
        .map(|n| {
            let mut text = String::new();
            crate::response::push_i64(&mut text, n);
            text
        });
    let kind = match response.status {
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        400..=499 => ErrorKind::Unauthorized,
        _ => ErrorKind::InvalidResponse,
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| crate::response::parse_retry_after(v, now_ms / 1000));
    let mut message = String::from(advice(code.as_deref(), answer.error.as_deref()));
    message.push_str(" (Entra ID, HTTP ");
    push_u64(&mut message, response.status.into());
    if let Some(code) = &code {
        message.push_str(", AADSTS");
        message.push_str(code);
    }
    message.push(')');
    if let Some(description) = answer.error_description {
        message.push_str(" Entra said: ");
        message.push_str(description.lines().next().unwrap_or_default());
    }
    let error_code = code.map(|c| {
        let mut text = String::from("AADSTS");
        text.push_str(&c);
        text
    });
    Error::new(kind, message)
        .with_status(response.status)
        .with_error_code(error_code.or(answer.error))
        .with_correlation_id(answer.correlation_id.or(answer.trace_id))
        .with_retry_after(retry_after)
        .with_source(crate::error::Source::Entra)
        .redact_err(secret.secret())
}

fn advice(code: Option<&str>, error: Option<&str>) -> &'static str {
    match (code, error) {
        (Some("50196"), _) | (_, Some("temporarily_unavailable")) => "Entra ID is throttling or briefly unavailable; the request is tried again within the deadline.",
        (Some("7000215"), _) => "The client secret is wrong: use the secret's Value (not its Secret ID) from the app registration.",
        (Some("7000222"), _) => "The client secret has expired: create a new one in the app registration and update the Worker's secret.",
        (Some("700016"), _) => "No application with this client id exists in the tenant: check clientId and tenantId, and that the app was consented in this tenant.",
        (Some("90002" | "900023" | "90072"), _) => "The tenant was not found: check tenantId (the directory's GUID or a verified domain) and the cloud.",
        (Some("65001" | "7000112"), _) => "The app lacks admin consent for the Defender API: grant consent to its WindowsDefenderATP application permissions.",
        (Some("500011" | "70011"), _) | (_, Some("invalid_scope" | "invalid_resource")) => "The scope is not valid for this tenant or cloud: use https://api.securitycenter.microsoft.com/.default for commercial hosts (regional ones included), or the GCC / GCC High audience.",
        (_, Some("invalid_client")) => "Entra ID refused the client credentials: check clientId and clientSecret.",
        _ => "Entra ID refused the token request: check tenantId, clientId, clientSecret and the cloud.",
    }
}

impl Error {
    /// [`Error::redact`], for chaining in `Err(…)` position.
    fn redact_err<T>(self, secret: &str) -> Result<T, Error> {
        Err(self.redact(secret))
    }
}
