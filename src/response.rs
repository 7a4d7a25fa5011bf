//! Reading the API's responses: a typed result, or an error that says what
//! happened and what to do.

use crate::error::{Error, ErrorKind};
use crate::http::{canonical_reason, find_header, HttpResponse};
use crate::lenient;
use crate::model::{ActionState, BodyProblem, MachineAction};
use crate::outcome::CancelOutcome;
use crate::raw::{Body, RawJson};
use serde::Deserialize;

/// The largest body read, in bytes. A MachineAction is about 1–3 KB; a body
/// past 1 MiB is not one, and reading it would only cost memory.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Which call a response answers: it shapes the advice in error messages,
/// and each is an endpoint with its own quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `POST …/cancel`.
    Cancel,
    /// `GET` one action.
    Get,
    /// `GET /api/machineactions`, a page of a listing.
    List,
    /// `GET /api/machines`, a page of devices.
    Machines,
}

impl Operation {
    /// Every endpoint, in the order of [`Operation::index`].
    pub const ALL: [Operation; 4] = [
        Operation::Cancel,
        Operation::Get,
        Operation::List,
        Operation::Machines,
    ];

    /// The endpoint's name in a quota (`cancel`, `get`, `list`, `machines`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Cancel => "cancel",
            Operation::Get => "get",
            Operation::List => "list",
            Operation::Machines => "machines",
        }
    }

    /// The endpoint of a quota name.
    pub fn parse(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// The position in [`Operation::ALL`]: where a per-endpoint table keeps it.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A successful answer, in the seed's shape:
/// `{status_code, reason, response_headers, json_body}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ActionResponse {
    /// The HTTP status (200).
    pub status_code: u16,
    /// The reason phrase; the standard one when the server sent none.
    pub reason: String,
    /// Response headers, names in lower case.
    pub response_headers: Vec<(String, String)>,
    /// The machine action as Defender now reports it: the body as the
    /// runtime parsed it, everything kept, with the canonical spellings set
    /// and absent canonical fields null (see [`crate::raw`]). Typed:
    /// [`ActionResponse::action`].
    pub json_body: RawJson,
    /// The fields the client decided on.
    pub state: ActionState,
    /// For a cancel: what it really did (see [`crate::outcome`]).
    pub outcome: Option<CancelOutcome>,
    /// For a cancel: a sentence for the analyst when the outcome needs one.
    pub notice: Option<String>,
}

impl ActionResponse {
    /// The whole machine action, typed.
    pub fn action(&self) -> MachineAction {
        MachineAction::from_json(&self.json_body)
    }

    /// The value of a response header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.response_headers, name)
    }
}

/// Interprets a response to `operation`.
///
/// `now_unix_secs` is the current time, used only to turn a `Retry-After`
/// HTTP-date into seconds (the core reads no clock of its own).
pub fn interpret(
    operation: Operation,
    response: HttpResponse,
    now_unix_secs: u64,
) -> Result<ActionResponse, Error> {
    if response.body.len() > MAX_BODY_BYTES {
        return Err(too_large(response.status, MAX_BODY_BYTES));
    }
    let body = Body::from_text(&response.body);
    interpret_parsed(operation, response, body, now_unix_secs)
}

/// [`interpret`] for a body the runtime has already parsed: `head`'s own
/// `body` text is not read.
pub fn interpret_parsed(
    operation: Operation,
    head: HttpResponse,
    body: Body,
    now_unix_secs: u64,
) -> Result<ActionResponse, Error> {
    let status = head.status;
    if !(200..300).contains(&status) {
        return Err(status_error(operation, &head, &body, now_unix_secs));
    }
    // Credentials a server or proxy sent back never reach a caller.
    let mut head = head;
    head.headers.retain(|(name, _)| !is_credential_header(name));
    let (state, json_body) = body.action().map_err(|problem| {
        Error::new(
            ErrorKind::InvalidResponse,
            body_problem_message(problem, &head),
        )
        .with_status(status)
        .with_correlation_id(header_correlation_id(&head))
    })?;
    let reason = if head.reason.is_empty() {
        canonical_reason(status).to_owned()
    } else {
        head.reason
    };
    Ok(ActionResponse {
        status_code: status,
        reason,
        response_headers: head.headers,
        json_body,
        state,
        outcome: None,
        notice: None,
    })
}

/// The error for a status outside 2xx (a redirect, 4xx, 5xx); `Ok` for a 2xx.
pub(crate) fn interpret_status(
    operation: Operation,
    head: &HttpResponse,
    body: &Body,
    now_unix_secs: u64,
) -> Result<(), Error> {
    if (200..300).contains(&head.status) {
        return Ok(());
    }
    Err(status_error(operation, head, body, now_unix_secs))
}

/// Headers that carry credentials: dropped from every returned header map.
pub fn is_credential_header(name: &str) -> bool {
    matches!(
        name,
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    )
}

/// The largest page of a listing read, in bytes: 10,000 actions (the most
/// `$top` asks for) of about 1.5 KB each fit with room to spare.
pub const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// The most of an answer to `request` that is read: a page of a listing
/// (a `GET` with a query) may be large, one action never is.
pub fn max_body_bytes(request: &crate::HttpRequest) -> usize {
    match (request.method, request.url.contains('?')) {
        (crate::Method::Get, true) => MAX_PAGE_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

/// The error for a body announced or found to exceed `limit` bytes.
pub fn too_large(status: u16, limit: usize) -> Error {
    let text = if limit == MAX_PAGE_BYTES {
        "The response body is larger than 32 MiB, which no page of a listing is, so it was not read past that. Ask for fewer results (top), or check that baseUrl points at the Defender API."
    } else {
        "The response body is larger than 1 MiB, which no machine-action answer is, so it was not read past that. Check that baseUrl points at the Defender API."
    };
    Error::new(ErrorKind::InvalidResponse, text).with_status(status)
}

fn body_problem_message(problem: BodyProblem, head: &HttpResponse) -> String {
    let mut text = String::from("Defender answered ");
    push_u64(&mut text, head.status.into());
    text.push_str(" but the body is not a MachineAction: ");
    match problem {
        BodyProblem::Empty => text.push_str("the body is empty (it ends early)."),
        BodyProblem::Truncated => text.push_str("the JSON ends early (the body was cut off)."),
        BodyProblem::Html => text.push_str(HTML_PAGE),
        _ if is_html(head) => text.push_str(HTML_PAGE),
        BodyProblem::NotJson => text.push_str("it is not JSON."),
        BodyProblem::NotAnObject => text.push_str("it is JSON but not an object."),
        BodyProblem::Missing(field) => {
            text.push_str("the field `");
            text.push_str(field);
            text.push_str("` is missing, null or not a string.");
        }
    }
    text
}

const HTML_PAGE: &str =
    "it is an HTML page, so a proxy or sign-in page answered instead of the API.";

fn is_html(head: &HttpResponse) -> bool {
    head.header("content-type")
        .is_some_and(|t| crate::redact::find(&t.to_ascii_lowercase(), "html").is_some())
}

/// The OData error body: `{"error":{"code","message","target"}}`. Every
/// field is optional and read leniently: real errors come with an empty
/// code, a `details` array, no `target`.
#[derive(Debug, Default, Deserialize)]
struct ODataErrorBody {
    #[serde(default, deserialize_with = "crate::model::object")]
    error: Option<ODataError>,
}

#[derive(Debug, Default, Deserialize)]
struct ODataError {
    #[serde(default, deserialize_with = "lenient::string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    message: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    target: Option<String>,
}

impl ODataError {
    fn read(body: &Body) -> ODataError {
        let error = body
            .decode::<ODataErrorBody>()
            .and_then(|b| b.error)
            .unwrap_or_default();
        let present = |text: Option<String>| text.filter(|s| !s.trim().is_empty());
        ODataError {
            code: present(error.code),
            message: present(error.message),
            target: present(error.target),
        }
    }
}

fn header_correlation_id(response: &HttpResponse) -> Option<String> {
    ["mise-correlation-id", "request-id", "client-request-id"]
        .iter()
        .find_map(|name| response.header(name))
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
}

fn status_error(
    operation: Operation,
    response: &HttpResponse,
    body: &Body,
    now_unix_secs: u64,
) -> Error {
    let status = response.status;
    if status == 0 || (300..400).contains(&status) {
        return Error::new(
            ErrorKind::InvalidResponse,
            "The server answered with a redirect. Redirects are refused so the token never travels to another address; set baseUrl to the API host itself.",
        )
        .with_status(status)
        .with_correlation_id(header_correlation_id(response));
    }
    let odata = ODataError::read(body);
    let kind = match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::BadRequest,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::InvalidResponse,
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, now_unix_secs));
    let mut text = String::with_capacity(256);
    text.push_str(advice(kind, operation));
    text.push_str(" (HTTP ");
    push_u64(&mut text, status.into());
    if let Some(code) = &odata.code {
        text.push(' ');
        text.push_str(code);
    }
    text.push(')');
    if kind == ErrorKind::RateLimited {
        if let Some(seconds) = retry_after {
            text.push_str(" Retry after ");
            push_u64(&mut text, seconds);
            text.push_str(" s.");
        }
    }
    if let Some(message) = &odata.message {
        text.push_str(" Defender said: ");
        push_truncated(&mut text, message, 400);
    } else if is_html(response) || matches!(body, Body::Unparsable(BodyProblem::Html)) {
        text.push_str(" The body was an HTML page: a proxy or gateway answered, not the API.");
    }
    let correlation_id = odata.target.or_else(|| header_correlation_id(response));
    Error::new(kind, text)
        .with_status(status)
        .with_error_code(odata.code)
        .with_correlation_id(correlation_id)
        .with_retry_after(retry_after)
}

fn advice(kind: ErrorKind, operation: Operation) -> &'static str {
    match (kind, operation) {
        (ErrorKind::Unauthorized, _) => "Defender refused the token: it is missing, expired or issued for another audience. Get a new token for https://api.securitycenter.microsoft.com (the audience for every commercial host).",
        (ErrorKind::Forbidden, Operation::Cancel) => "The token is not allowed to cancel machine actions. The app or user needs one of Machine.CollectForensics, Machine.Isolate, Machine.RestrictExecution, Machine.Scan, Machine.Offboard, Machine.StopAndQuarantine or Machine.LiveResponse, with admin consent.",
        (ErrorKind::Forbidden, Operation::Get | Operation::List) => "The token is not allowed to read machine actions. The app needs Machine.Read.All or Machine.ReadWrite.All (a user: Machine.Read or Machine.ReadWrite), with admin consent.",
        (ErrorKind::Forbidden, Operation::Machines) => "The token is not allowed to read devices. The app needs Machine.Read.All or Machine.ReadWrite.All (a user: Machine.Read or Machine.ReadWrite), with admin consent.",
        (ErrorKind::NotFound, Operation::List | Operation::Machines) => "The list was not found here: check that baseUrl is the Defender API of the tenant's cloud.",
        (ErrorKind::NotFound, _) => "No machine action with this id exists here. Check the id, and that baseUrl is the tenant's cloud (commercial, GCC or GCC High); a just-created action can also be missing for a short while.",
        (ErrorKind::BadRequest, Operation::Cancel) => "Defender refused the cancel. An action that already finished (Succeeded, Failed, TimeOut or Cancelled) cannot be cancelled: check its status.",
        (ErrorKind::BadRequest, Operation::List | Operation::Machines) => "Defender refused the listing's filter.",
        (ErrorKind::BadRequest, Operation::Get) => "Defender refused the request.",
        (ErrorKind::RateLimited, _) => "Too many requests: the API allows 100 calls a minute and 1,500 an hour for each of cancel, get, list and machines.",
        (ErrorKind::Server, _) => "Defender, or a proxy in front of it, failed; try again shortly.",
        _ => "The server answered with an unexpected status.",
    }
}

/// The longest `Retry-After` honoured, in seconds: Defender's windows are a
/// minute and an hour, so a longer wait is a fault, and one bad answer must
/// not stall a client (or a whole Worker isolate) for years.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 3_600;

/// `Retry-After` as seconds — delta-seconds, or an HTTP-date relative to
/// now — capped at [`MAX_RETRY_AFTER_SECONDS`].
pub fn parse_retry_after(value: &str, now_unix_secs: u64) -> Option<u64> {
    let value = value.trim();
    let seconds = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "very long".
        value.parse().unwrap_or(u64::MAX)
    } else {
        crate::time::parse_http_date(value)?.saturating_sub(now_unix_secs)
    };
    Some(seconds.min(MAX_RETRY_AFTER_SECONDS))
}

/// Appends a signed number without `core::fmt`.
pub(crate) fn push_i64(text: &mut String, n: i64) {
    if n < 0 {
        text.push('-');
    }
    push_u64(text, n.unsigned_abs());
}

/// Appends a number without `core::fmt`, which would weigh on the wasm module.
pub(crate) fn push_u64(text: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        text.push(d as char);
    }
}

fn push_truncated(text: &mut String, message: &str, max_chars: usize) {
    match message.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            text.push_str(&message[..cut]);
            text.push('…');
        }
        None => text.push_str(message),
    }
}
