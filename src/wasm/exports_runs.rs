//! The JS API of listing, device lookup, waiting and bulk cancel:
//! `list`, `findMachines`, `waitForFinal` and `cancelMany` on
//! `MachineActionsClient`. Types for TypeScript are in `exports.d.ts`.

use super::bulk::Progress;
use super::exports::JsMachineActionsClient;
use super::js_error::error_to_js;
use super::options::{action_id, argument, comment, string, CallOptions};
use super::run_options::{bulk_options, find_options, list_query, target, wait_options, Target};
use crate::bulk::{Bulk, Entry, Report};
use crate::list::MachineQuery;
use crate::listing::{ListOf, Listed};
use crate::watch::Watch;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen(js_class = MachineActionsClient)]
impl JsMachineActionsClient {
    /// `list(filter, { signal, timeoutMs })`: the machine actions that match.
    pub fn list(&self, filter: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let query = list_query(&filter)?;
                let call = CallOptions::read(&options)?;
                client
                    .list(ListOf::Actions(&query), call.timeout, call.signal.as_ref())
                    .await
            };
            run.await.map(items).map_err(error_to_js)
        })
    }

    /// `findMachines(namePrefix, { signal, timeoutMs, top })`: the devices
    /// whose name starts with `namePrefix`.
    #[wasm_bindgen(js_name = findMachines)]
    pub fn find_machines(&self, name_prefix: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let prefix = string(&name_prefix, "namePrefix must be a string.")?;
                let o = find_options(&options)?;
                let query = MachineQuery::new(&prefix, o.top)?;
                client
                    .list(ListOf::Machines(&query), o.timeout, o.signal.as_ref())
                    .await
            };
            run.await.map(items).map_err(error_to_js)
        })
    }

    /// `waitForFinal(machineActionId, { intervalMs, timeoutMs, signal,
    /// onUpdate })`: the action once it is final.
    #[wasm_bindgen(js_name = waitForFinal)]
    pub fn wait_for_final(&self, machine_action_id: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let id = action_id(argument(machine_action_id))?;
                let o = wait_options(&options)?;
                let now = js_sys::Date::now() as u64;
                let watch = Watch::new(o.interval_ms, o.timeout_ms, now)?;
                let on_update = |read: &crate::ActionResponse| {
                    if let Some(f) = &o.on_update {
                        // The caller's callback failing is theirs; the wait goes on.
                        let _ = f.call1(&JsValue::NULL, &read.json_body);
                    }
                };
                client
                    .wait_for_final(&id, watch, o.signal.as_ref(), &on_update)
                    .await
            };
            run.await.map(|read| read.json_body).map_err(error_to_js)
        })
    }

    /// `cancelMany({ ids } | { filter }, comment, { dryRun, onProgress,
    /// signal, timeoutMs })`: `{ results, summary }`, one result per action.
    #[wasm_bindgen(js_name = cancelMany)]
    pub fn cancel_many(&self, which: JsValue, comment_text: JsValue, options: JsValue) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let target = target(&which)?;
                let comment = comment(argument(comment_text))?;
                let o = bulk_options(&options)?;
                let bulk = match target {
                    Target::Ids(ids) => Bulk::for_ids(&ids, o.dry_run)?,
                    Target::Filter(query) => {
                        Bulk::check_filter(&query)?;
                        let what = ListOf::Actions(&query);
                        let listed = client.list(what, o.timeout, o.signal.as_ref()).await?;
                        Bulk::for_listing(&listed, o.dry_run)
                    }
                };
                let progress = progress(o.on_progress);
                let report = client
                    .cancel_many(bulk, comment, o.timeout, o.signal, progress)
                    .await;
                Ok(report_to_js(&report))
            };
            run.await.map_err(error_to_js)
        })
    }
}

#[cfg(feature = "edge")]
#[wasm_bindgen(js_class = MachineActionsClient)]
impl JsMachineActionsClient {
    /// `relayList(endpoint, filter, top, { signal, timeoutMs })`: for a
    /// proxy, the listing a client asked it for (`endpoint` `"list"` or
    /// `"machines"`, with the request's `$filter` and `$top`), read whole
    /// when the package recognises the filter as one it writes itself;
    /// `invalid_input`, nothing sent, for any other.
    #[wasm_bindgen(js_name = relayList)]
    pub fn relay_list(
        &self,
        endpoint: JsValue,
        filter: JsValue,
        top: JsValue,
        options: JsValue,
    ) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let run = async {
                let endpoint = string(&endpoint, "endpoint must be \"list\" or \"machines\".")?;
                let filter = optional_text(filter, "$filter must be a string.")?;
                let top = optional_text(top, "$top must be a string.")?;
                let query =
                    crate::listing::Query::recognise(&endpoint, filter.as_deref(), top.as_deref())?;
                let call = CallOptions::read(&options)?;
                client
                    .list(query.list_of(), call.timeout, call.signal.as_ref())
                    .await
            };
            run.await.map(items).map_err(error_to_js)
        })
    }
}

#[cfg(feature = "edge")]
fn optional_text(
    value: JsValue,
    message: &'static str,
) -> Result<Option<String>, crate::error::Error> {
    match value.is_undefined() || value.is_null() {
        true => Ok(None),
        false => string(&value, message).map(Some),
    }
}

/// A listing's items as a JS array of the engine's own objects, with
/// `truncated`: true when `top` stopped it with more left.
fn items(listed: Listed) -> JsValue {
    let array: Array = listed.items.into_iter().collect();
    let _ = Reflect::set(
        &array,
        &JsValue::from_str("truncated"),
        &JsValue::from_bool(listed.truncated),
    );
    array.into()
}

/// `onProgress({ done, total, last, etaMs })` after each action.
fn progress(callback: Option<Function>) -> Rc<Progress> {
    Rc::new(move |entry: &Entry, done, total, eta: Option<u64>| {
        let Some(callback) = &callback else {
            return;
        };
        let event = Object::new();
        let set = |key: &str, value: &JsValue| {
            let _ = Reflect::set(&event, &JsValue::from_str(key), value);
        };
        set("done", &JsValue::from_f64(done as f64));
        set("total", &JsValue::from_f64(total as f64));
        set("last", &entry_to_js(entry));
        set(
            "etaMs",
            &eta.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64)),
        );
        // A failing progress callback does not stop the run.
        let _ = callback.call1(&JsValue::NULL, &event);
    })
}

fn report_to_js(report: &Report) -> JsValue {
    let results: Array = report.results.iter().map(entry_to_js).collect();
    let summary = Object::new();
    for (outcome, count) in &report.summary {
        let _ = Reflect::set(
            &summary,
            &JsValue::from_str(outcome.as_str()),
            &JsValue::from_f64(*count as f64),
        );
    }
    let answer = Object::new();
    let _ = Reflect::set(&answer, &JsValue::from_str("results"), &results);
    let _ = Reflect::set(&answer, &JsValue::from_str("summary"), &summary);
    let truncated = JsValue::from_bool(report.truncated);
    let _ = Reflect::set(&answer, &JsValue::from_str("truncated"), &truncated);
    answer.into()
}

// An entry built by the engine in one call, as `make_result` builds a result.
#[wasm_bindgen(inline_js = r#"
export function make_entry(id, machineId, computerDnsName, type, outcome, status, kind, message, status_code, correlation_id) {
  const error = kind === undefined ? null : { kind, message, status_code: status_code ?? null, correlation_id: correlation_id ?? null };
  return { id, machineId: machineId ?? null, computerDnsName: computerDnsName ?? null, type: type ?? null, outcome, status: status ?? null, error };
}
"#)]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn make_entry(
        id: &str,
        machine_id: Option<&str>,
        computer_dns_name: Option<&str>,
        action_type: Option<&str>,
        outcome: &str,
        status: Option<&str>,
        kind: Option<&str>,
        message: Option<&str>,
        status_code: Option<u16>,
        correlation_id: Option<&str>,
    ) -> JsValue;
}

/// `{ id, machineId, computerDnsName, type, outcome, status, error }`.
fn entry_to_js(entry: &Entry) -> JsValue {
    let error = entry.error.as_ref();
    make_entry(
        &entry.id,
        entry.machine_id.as_deref(),
        entry.computer_dns_name.as_deref(),
        entry.action_type.as_deref(),
        entry.outcome.as_str(),
        entry.status.as_deref(),
        error.map(|e| e.kind),
        error.map(|e| e.message.as_str()),
        error.and_then(|e| e.status_code),
        error.and_then(|e| e.correlation_id.as_deref()),
    )
}
