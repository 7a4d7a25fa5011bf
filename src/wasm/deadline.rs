//! One call's deadline and cancellation: an `AbortController` that fires when
//! the timeout passes or the caller's `AbortSignal` does, whichever is first.
//!
//! The failure is classified by which of the two fired, not by the JS error's
//! name, because engines name abort errors differently.

use crate::error::{Error, ErrorKind};
use crate::input::Timeout;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    // Global timers, bound directly: workerd has no `window`.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// Armed for one call; disarmed (timer cleared, listener removed) on drop.
pub(crate) struct Deadline {
    controller: AbortController,
    abort: Function,
    timer: JsValue,
    caller: Option<AbortSignal>,
    /// A signal that ends waits (`sleep`, `race`) but not a request in
    /// flight: a bulk run's Stop lets the answers already coming arrive.
    stop: Option<AbortSignal>,
    timeout: Timeout,
    ends_at_ms: f64,
}

impl Deadline {
    /// Starts the clock. Refuses at once when the caller already aborted, so
    /// nothing is sent.
    #[cfg(feature = "edge")]
    pub(crate) fn start(timeout: Timeout, caller: Option<&AbortSignal>) -> Result<Self, Error> {
        Deadline::start_part(timeout, timeout, caller)
    }

    /// A deadline for part of a call whose whole deadline is `whole`, which
    /// is what a timeout error reports (the caller's `timeoutMs`).
    pub(crate) fn start_part(
        timeout: Timeout,
        whole: Timeout,
        caller: Option<&AbortSignal>,
    ) -> Result<Self, Error> {
        if caller.is_some_and(AbortSignal::aborted) {
            return Err(aborted());
        }
        let controller = AbortController::new().map_err(network)?;
        let abort = Reflect::get(&controller, &JsValue::from_str("abort"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .map(|f| f.bind0(&controller))
            .ok_or_else(|| network(JsValue::UNDEFINED))?;
        let ends_at_ms = js_sys::Date::now() + f64::from(timeout.as_millis());
        let timer = set_timeout(&abort, timeout.as_millis() as i32);
        if let Some(signal) = caller {
            let _ = signal.add_event_listener_with_callback("abort", &abort);
        }
        Ok(Deadline {
            controller,
            abort,
            timer,
            caller: caller.cloned(),
            stop: None,
            timeout: whole,
            ends_at_ms,
        })
    }

    /// Makes `stop` end this deadline's waits, not its requests; refuses at
    /// once when it already fired.
    pub(crate) fn with_stop(mut self, stop: Option<&AbortSignal>) -> Result<Self, Error> {
        if stop.is_some_and(AbortSignal::aborted) {
            return Err(aborted());
        }
        self.stop = stop.cloned();
        Ok(self)
    }

    /// Milliseconds left before the deadline.
    pub(crate) fn remaining_ms(&self) -> u64 {
        (self.ends_at_ms - js_sys::Date::now()).max(0.0) as u64
    }

    /// Waits `ms`, or fails as soon as the deadline passes or the caller aborts.
    pub(crate) async fn sleep(&self, ms: u64) -> Result<(), Error> {
        let mut timer = JsValue::UNDEFINED;
        let wait = Promise::new(&mut |resolve, _reject| {
            timer = set_timeout(&resolve, ms.min(i32::MAX as u64) as i32);
        });
        let waited = self.race(wait).await.map(drop);
        clear_timeout(&timer);
        waited
    }

    /// The signal to hand to `fetch`.
    pub(crate) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Awaits `promise`, but no longer than the deadline: a promise that
    /// ignores the signal (a token function, a stalled body) cannot hang the call.
    pub(crate) async fn race(&self, promise: Promise) -> Result<JsValue, Error> {
        let signals: Vec<AbortSignal> = std::iter::once(self.signal())
            .chain(self.stop.iter().cloned())
            .collect();
        // A signal that fired before this wait began sends no event: look first.
        if signals.iter().any(AbortSignal::aborted) {
            return Err(self.failure(JsValue::UNDEFINED));
        }
        let mut listener = None;
        let ended = Promise::new(&mut |_resolve, reject| {
            for signal in &signals {
                let _ = signal.add_event_listener_with_callback("abort", &reject);
            }
            listener = Some(reject);
        });
        let settled = JsFuture::from(Promise::race(&Array::of2(&promise, &ended))).await;
        // A call that waits many times must not pile up listeners.
        if let Some(reject) = listener {
            for signal in &signals {
                let _ = signal.remove_event_listener_with_callback("abort", &reject);
            }
        }
        settled.map_err(|e| self.failure(e))
    }

    /// Names a rejection: the caller's abort, our timeout, or else the network.
    pub(crate) fn failure(&self, js_error: JsValue) -> Error {
        let stopped =
            |signal: &Option<AbortSignal>| signal.as_ref().is_some_and(AbortSignal::aborted);
        if stopped(&self.caller) || stopped(&self.stop) {
            aborted()
        } else if self.controller.signal().aborted() {
            let mut text = String::from("No complete answer within ");
            crate::response::push_u64(&mut text, self.timeout.as_millis().into());
            text.push_str(
                " ms (timeoutMs); the action's state is unknown: check it before trying again.",
            );
            Error::new(ErrorKind::Timeout, text)
        } else {
            network(js_error)
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(signal) = &self.caller {
            let _ = signal.remove_event_listener_with_callback("abort", &self.abort);
        }
    }
}

fn aborted() -> Error {
    Error::new(
        ErrorKind::Aborted,
        "The call was stopped by its AbortSignal; if the request had left, the action may still have been cancelled: check its status.",
    )
}

fn network(cause: JsValue) -> Error {
    let mut text = String::from("The request got no HTTP answer");
    if let Some(detail) = error_text(&cause) {
        text.push_str(" (");
        text.push_str(&detail);
        text.push(')');
    }
    text.push_str(". Check the network and baseUrl; in a browser a CORS refusal looks the same, so call through the edge proxy.");
    Error::new(ErrorKind::Network, text).with_cause(cause)
}

/// `name: message` of a JS error, for messages.
fn error_text(value: &JsValue) -> Option<String> {
    let error = value.dyn_ref::<js_sys::Error>()?;
    let mut text: String = error.name().into();
    let message: String = error.message().into();
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(&message);
    }
    Some(text)
}
