//! The options of the listing, waiting and bulk calls, read like the
//! client's (see `options`): a field of the wrong type, or a field these
//! calls do not know, is refused with a message that names the fields —
//! a misspelt filter must never widen what a bulk cancel touches.

use super::options::{read_object, signal, string, timeout, Opt};
use crate::error::Error;
use crate::input::Timeout;
use crate::list::{ListFilter, ListQuery};
use js_sys::{Array, Date, Function};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// `{ status, machineId, type, requestor, createdAfter, createdBefore, top }`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FilterOptions {
    #[serde(default)]
    status: Opt<JsValue>,
    #[serde(default)]
    machine_id: Opt<JsValue>,
    #[serde(default, rename = "type")]
    action_type: Opt<JsValue>,
    #[serde(default)]
    requestor: Opt<JsValue>,
    #[serde(default)]
    created_after: Opt<JsValue>,
    #[serde(default)]
    created_before: Opt<JsValue>,
    #[serde(default)]
    top: Opt<f64>,
}

const FILTER_KEYS: [&str; 7] = [
    "status",
    "machineId",
    "type",
    "requestor",
    "createdAfter",
    "createdBefore",
    "top",
];

const BAD_FILTER: &str = "the filter must be an object with only status, machineId, type, requestor, createdAfter, createdBefore and top.";

/// A listing's filter (`undefined` or `null` for none), validated by the core.
pub(crate) fn list_query(value: &JsValue) -> Result<ListQuery, Error> {
    let options: FilterOptions = if value.is_undefined() || value.is_null() {
        FilterOptions::default()
    } else {
        only(value, &FILTER_KEYS, BAD_FILTER)?;
        read_object(value, BAD_FILTER)?
    };
    let filter = ListFilter {
        status: strings(
            options.status,
            "status must be a string or an array of strings.",
        )?,
        machine_id: strings(
            options.machine_id,
            "machineId must be a string or an array of strings.",
        )?,
        action_type: strings(
            options.action_type,
            "type must be a string or an array of strings.",
        )?,
        requestor: options.requestor.text("requestor must be a string.")?,
        created_after: time(options.created_after)?,
        created_before: time(options.created_before)?,
        top: whole(options.top, "top must be a whole number from 1 to 10000.")?,
    };
    ListQuery::new(&filter)
}

/// `{ signal, timeoutMs, top }` of `findMachines`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FindOptions {
    #[serde(default)]
    signal: Opt<JsValue>,
    #[serde(default)]
    timeout_ms: Opt<f64>,
    #[serde(default)]
    top: Opt<f64>,
}

/// `findMachines`' options, read.
pub(crate) struct Find {
    pub(crate) timeout: Option<Timeout>,
    pub(crate) signal: Option<AbortSignal>,
    pub(crate) top: Option<u32>,
}

/// Reads `findMachines`' options.
pub(crate) fn find_options(value: &JsValue) -> Result<Find, Error> {
    let o: FindOptions = optional_object(
        value,
        &["signal", "timeoutMs", "top"],
        "findMachines' options take only signal, timeoutMs and top.",
    )?;
    Ok(Find {
        timeout: timeout(o.timeout_ms)?,
        signal: signal(o.signal)?,
        top: whole(o.top, "top must be a whole number from 1 to 10000.")?,
    })
}

/// `{ intervalMs, timeoutMs, signal, onUpdate }` of `waitForFinal`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WaitOptions {
    #[serde(default)]
    interval_ms: Opt<f64>,
    #[serde(default)]
    timeout_ms: Opt<f64>,
    #[serde(default)]
    signal: Opt<JsValue>,
    #[serde(default)]
    on_update: Opt<JsValue>,
}

/// `waitForFinal`'s options, read.
pub(crate) struct Wait {
    pub(crate) interval_ms: Option<f64>,
    pub(crate) timeout_ms: Option<f64>,
    pub(crate) signal: Option<AbortSignal>,
    pub(crate) on_update: Option<Function>,
}

/// Reads `waitForFinal`'s options.
pub(crate) fn wait_options(value: &JsValue) -> Result<Wait, Error> {
    let o: WaitOptions = optional_object(
        value,
        &["intervalMs", "timeoutMs", "signal", "onUpdate"],
        "waitForFinal's options take only intervalMs, timeoutMs, signal and onUpdate.",
    )?;
    Ok(Wait {
        interval_ms: o.interval_ms.number("intervalMs must be a number.")?,
        timeout_ms: o.timeout_ms.number("timeoutMs must be a number.")?,
        signal: signal(o.signal)?,
        on_update: function(o.on_update, "onUpdate must be a function.")?,
    })
}

/// `{ ids }` or `{ filter }`: what `cancelMany` works on.
#[derive(Deserialize)]
struct TargetOptions {
    #[serde(default)]
    ids: Opt<JsValue>,
    #[serde(default)]
    filter: Opt<JsValue>,
}

/// What `cancelMany` works on.
pub(crate) enum Target {
    /// These actions.
    Ids(Vec<String>),
    /// The actions a listing finds.
    Filter(ListQuery),
}

const BAD_TARGET: &str =
    "cancelMany takes { ids: [...] } or { filter: { ... } } as its first argument.";

/// Reads `cancelMany`'s first argument.
pub(crate) fn target(value: &JsValue) -> Result<Target, Error> {
    only(value, &["ids", "filter"], BAD_TARGET)?;
    let o: TargetOptions = read_object(value, BAD_TARGET)?;
    match (o.ids, o.filter) {
        (Opt::Given(ids), Opt::Absent) => Ok(Target::Ids(strings(
            Opt::Given(ids),
            "ids must be an array of machine action ids.",
        )?)),
        (Opt::Absent, Opt::Given(filter)) => list_query(&filter).map(Target::Filter),
        _ => Err(Error::invalid_input(BAD_TARGET)),
    }
}

/// `{ dryRun, onProgress, signal, timeoutMs }` of `cancelMany`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BulkOptions {
    #[serde(default)]
    dry_run: Opt<JsValue>,
    #[serde(default)]
    on_progress: Opt<JsValue>,
    #[serde(default)]
    signal: Opt<JsValue>,
    #[serde(default)]
    timeout_ms: Opt<f64>,
}

/// `cancelMany`'s options, read.
pub(crate) struct Bulk {
    pub(crate) dry_run: bool,
    pub(crate) on_progress: Option<Function>,
    pub(crate) signal: Option<AbortSignal>,
    pub(crate) timeout: Option<Timeout>,
}

/// Reads `cancelMany`'s options.
pub(crate) fn bulk_options(value: &JsValue) -> Result<Bulk, Error> {
    let o: BulkOptions = optional_object(
        value,
        &["dryRun", "onProgress", "signal", "timeoutMs"],
        "cancelMany's options take only dryRun, onProgress, signal and timeoutMs.",
    )?;
    let dry_run = match o.dry_run {
        Opt::Given(flag) => flag
            .as_bool()
            .ok_or(Error::invalid_input("dryRun must be true or false."))?,
        _ => false,
    };
    Ok(Bulk {
        dry_run,
        on_progress: function(o.on_progress, "onProgress must be a function.")?,
        signal: signal(o.signal)?,
        timeout: timeout(o.timeout_ms)?,
    })
}

fn optional_object<T: serde::de::DeserializeOwned + Default>(
    value: &JsValue,
    keys: &[&str],
    message: &'static str,
) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    only(value, keys, message)?;
    read_object(value, message)
}

/// Refuses an object with a key outside `keys`: serde-wasm-bindgen reads
/// only the fields a struct names, so a misspelt one would pass unseen.
fn only(value: &JsValue, keys: &[&str], message: &'static str) -> Result<(), Error> {
    let Some(object) = value.dyn_ref::<js_sys::Object>() else {
        return Err(Error::invalid_input(message));
    };
    let known = |key: JsValue| key.as_string().is_some_and(|k| keys.contains(&k.as_str()));
    match js_sys::Object::keys(object).iter().all(known) {
        true => Ok(()),
        false => Err(Error::invalid_input(message)),
    }
}

/// A string, or an array of strings, as a list.
fn strings(value: Opt<JsValue>, message: &'static str) -> Result<Vec<String>, Error> {
    let Opt::Given(value) = value else {
        return Ok(Vec::new());
    };
    match value.dyn_ref::<Array>() {
        // An empty list would leave the field out and widen the listing.
        Some(array) if array.length() == 0 => Err(Error::invalid_input(
            "a filter field given as a list must hold at least one value; leave the field out to not filter on it.",
        )),
        Some(array) => array.iter().map(|item| string(&item, message)).collect(),
        None => string(&value, message).map(|text| vec![text]),
    }
}

/// An ISO 8601 text as given, or a `Date` as its ISO 8601 text.
fn time(value: Opt<JsValue>) -> Result<Option<String>, Error> {
    let Opt::Given(value) = value else {
        return Ok(None);
    };
    if let Some(date) = value.dyn_ref::<Date>() {
        if date.get_time().is_nan() {
            return Err(Error::invalid_input(
                "a date in the filter is an invalid Date.",
            ));
        }
        return Ok(Some(date.to_iso_string().into()));
    }
    string(
        &value,
        "createdAfter and createdBefore must be ISO 8601 UTC times or Dates.",
    )
    .map(Some)
}

fn whole(value: Opt<f64>, message: &'static str) -> Result<Option<u32>, Error> {
    match value.number(message)? {
        None => Ok(None),
        Some(n) if (1.0..=10_000.0).contains(&n) && n.fract() == 0.0 => Ok(Some(n as u32)),
        Some(_) => Err(Error::invalid_input(message)),
    }
}

fn function(value: Opt<JsValue>, message: &'static str) -> Result<Option<Function>, Error> {
    match value {
        Opt::Given(value) => value
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|_| Error::invalid_input(message)),
        _ => Ok(None),
    }
}
