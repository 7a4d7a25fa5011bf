//! The shell of a bulk run ([`crate::bulk`]): [`CONCURRENCY`] workers take
//! the run's jobs one by one, each waiting for room in the quota before its
//! call starts (so no call spends its deadline in line), and report every
//! settled action. Stopping hands out no more jobs and ends the waits; the
//! answers already on their way still arrive.

use super::client::MachineActionsClient;
use crate::bulk::{Bulk, Entry, Job, Report, CONCURRENCY};
use crate::call::Call;
use crate::error::Error;
use crate::input::{Comment, Timeout};
use crate::response::{ActionResponse, Operation};
use js_sys::{Array, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

/// What the run reports after each action: the entry, how many are done of
/// how many, and the least time left at the quota's pace (`None` when a
/// shared provider keeps the quota).
pub(crate) type Progress = dyn Fn(&Entry, usize, usize, Option<u64>);

impl MachineActionsClient {
    /// Runs `bulk`: each cancel is the verified cancel of
    /// [`MachineActionsClient::cancel`], each read a get, within `timeout`
    /// each. `stop` ends the run early: what was not sent is `skipped`.
    pub async fn cancel_many(
        &self,
        bulk: Bulk,
        comment: Comment,
        timeout: Option<Timeout>,
        stop: Option<AbortSignal>,
        progress: Rc<Progress>,
    ) -> Report {
        let run = Rc::new(Run {
            client: self.clone(),
            bulk: RefCell::new(bulk),
            comment,
            timeout: timeout.unwrap_or(self.config.timeout),
            stop,
            progress,
        });
        let workers = Array::new();
        for _ in 0..CONCURRENCY {
            let run = run.clone();
            workers.push(&future_to_promise(async move {
                run.work().await;
                Ok(JsValue::UNDEFINED)
            }));
        }
        // Workers never reject: every failure is an entry.
        let _ = JsFuture::from(Promise::all(&workers)).await;
        match Rc::try_unwrap(run) {
            Ok(run) => run.bulk.into_inner().finish(),
            Err(run) => run.bulk.borrow_mut().take_report(),
        }
    }
}

struct Run {
    client: MachineActionsClient,
    bulk: RefCell<Bulk>,
    comment: Comment,
    timeout: Timeout,
    stop: Option<AbortSignal>,
    progress: Rc<Progress>,
}

impl Run {
    async fn work(&self) {
        loop {
            if self.stop.as_ref().is_some_and(AbortSignal::aborted) {
                self.bulk.borrow_mut().stop();
            }
            let Some((index, job)) = self.bulk.borrow_mut().next_job() else {
                return;
            };
            let result = match job {
                Job::Known => None,
                Job::Cancel(id) => {
                    let make = || {
                        Call::cancel(
                            self.client.config.base_url.clone(),
                            id.clone(),
                            self.comment.clone(),
                            self.client.config.retry,
                            self.timeout.as_millis().into(),
                        )
                    };
                    Some(self.call(Operation::Cancel, make).await)
                }
                Job::Read(id) => {
                    let make = || {
                        Call::get(
                            self.client.config.base_url.clone(),
                            id.clone(),
                            self.client.config.retry,
                            self.timeout.as_millis().into(),
                        )
                    };
                    Some(self.call(Operation::Get, make).await)
                }
            };
            let mut bulk = self.bulk.borrow_mut();
            let entry = bulk.settle(index, result).clone();
            let (done, total, left) = (bulk.done(), bulk.total(), bulk.requests_left());
            drop(bulk);
            let operation = if self.is_dry_run() {
                Operation::Get
            } else {
                Operation::Cancel
            };
            let eta = self.client.config.quota.time_to_send(operation, left);
            (self.progress)(&entry, done, total, eta);
        }
    }

    fn is_dry_run(&self) -> bool {
        self.bulk.borrow().is_dry_run()
    }

    /// Waits for room in the quota, then drives the call; a stop during the
    /// wait is an abort with nothing sent.
    async fn call(
        &self,
        operation: Operation,
        make: impl Fn() -> Call,
    ) -> Result<ActionResponse, Error> {
        let config = &self.client.config;
        loop {
            config.quota.ready(operation, self.stop.as_ref()).await?;
            let answer = self
                .client
                .drive(make(), self.timeout, None, self.stop.as_ref())
                .await;
            match answer {
                // Another worker took the room first and the next is past the
                // call's deadline: nothing was sent, so wait for room again.
                Err(e) if config.quota.is_local() && is_quota_refusal(&e) => continue,
                answer => {
                    return answer?.into_action().ok_or_else(|| {
                        Error::invalid_input(
                            "The run was driven out of order (a page for an action).",
                        )
                    })
                }
            }
        }
    }
}

/// The client's own quota refusing before anything was sent.
fn is_quota_refusal(error: &Error) -> bool {
    error.kind() == crate::error::ErrorKind::RateLimited
        && error.attempts() == 0
        && error.source() == crate::error::Source::Client
}
