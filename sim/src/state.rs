//! The simulator's state: the machine-action store, the fault queue, the request log and
//! the fixed configuration from the command line. Actions are kept as raw JSON objects
//! (serde_json with `preserve_order`) so hostile or odd shapes put by tests are returned
//! exactly as given, field order included.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value};

use crate::entra::{EntraConfig, EntraState};
use crate::faults::FaultQueue;
use crate::guard::Access;
use crate::oidc::OidcConfig;
use crate::oidc_token::OidcState;
use crate::quota::{Limit, Quota, DEFENDER};
use crate::request_log::RequestLog;
use crate::seed;
use crate::util::now_secs;

/// Which data `--seed` loads at start-up and `POST /_sim/reset` restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedKind {
    Default,
    /// A realistic tenant for the demo and the bench (`demo.rs`).
    Demo,
    None,
}

impl SeedKind {
    pub const NAMES: &'static str = "default, demo or none";

    pub fn parse(name: &str) -> Option<SeedKind> {
        match name {
            "default" => Some(SeedKind::Default),
            "demo" => Some(SeedKind::Demo),
            "none" => Some(SeedKind::None),
            _ => None,
        }
    }
}

/// Results a list page holds unless `/_sim/paging` says otherwise (Defender's `$top` cap).
pub const DEFAULT_PAGE_SIZE: usize = 10_000;

/// Principal reported as `cancellationRequestor` for the default token.
pub const DEFAULT_TOKEN: &str = "sim-token";
pub const DEFAULT_PRINCIPAL: &str = "soc-portal@contoso.onmicrosoft.com";
/// Principal for every other accepted token: constant, so no token material ever leaks
/// into responses.
pub const OTHER_PRINCIPAL: &str = "app-sim";

/// Result of a cancel attempt against the store.
#[derive(Debug, PartialEq)]
pub enum CancelOutcome {
    /// The updated entity.
    Cancelled(Value),
    NotFound,
    /// The action is in a final (or unknown) state; carries the status as text.
    NotCancellable(String),
}

/// Machine actions and devices keyed by lower-case id, in insertion order.
#[derive(Default)]
pub struct Store {
    actions: Map<String, Value>,
    machines: Map<String, Value>,
    /// Unix seconds the seed's times are relative to: the simulator's start, so a reset
    /// restores the very same data.
    start: u64,
}

/// Entities keyed by their lower-case `id` (those without a string id are skipped).
fn keyed(entities: Vec<Value>) -> Map<String, Value> {
    entities
        .into_iter()
        .filter_map(|e| Some((e.get("id")?.as_str()?.to_ascii_lowercase(), e)))
        .collect()
}

impl Store {
    pub fn new(seed: SeedKind) -> Self {
        Store::starting_at(seed, now_secs())
    }

    pub fn starting_at(seed: SeedKind, start: u64) -> Self {
        let mut s = Store {
            start,
            ..Store::default()
        };
        s.reset(seed);
        s
    }

    pub fn reset(&mut self, seed: SeedKind) {
        let (actions, machines) = seed::load(seed, self.start);
        self.actions = keyed(actions);
        self.machines = keyed(machines);
    }

    /// Ids are GUIDs, which MDE matches case-insensitively.
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.actions.get(&id.to_ascii_lowercase())
    }

    pub fn list(&self) -> Vec<Value> {
        self.actions.values().cloned().collect()
    }

    pub fn actions(&self) -> impl Iterator<Item = &Value> {
        self.actions.values()
    }

    pub fn machines(&self) -> impl Iterator<Item = &Value> {
        self.machines.values()
    }

    /// Device ids are hex, matched case-insensitively too.
    pub fn machine(&self, id: &str) -> Option<&Value> {
        self.machines.get(&id.to_ascii_lowercase())
    }

    /// Adds devices and actions as they are (an existing id is replaced).
    pub fn extend(&mut self, actions: Vec<Value>, machines: Vec<Value>) {
        self.actions.extend(keyed(actions));
        self.machines.extend(keyed(machines));
    }

    /// Stores `entity` as action `id`, forcing its `id` field to `id` (keeping the field's
    /// position if present, otherwise putting it first like real payloads).
    pub fn put(&mut self, id: &str, entity: Map<String, Value>) -> Value {
        let mut obj = entity;
        if obj.contains_key("id") {
            obj.insert("id".into(), Value::String(id.into()));
        } else {
            let mut with_id = Map::new();
            with_id.insert("id".into(), Value::String(id.into()));
            with_id.extend(obj);
            obj = with_id;
        }
        let v = Value::Object(obj);
        self.actions.insert(id.to_ascii_lowercase(), v.clone());
        v
    }

    /// Cancels a Pending/InProgress action, filling the cancellation fields like MDE does.
    pub fn cancel(
        &mut self,
        id: &str,
        requestor: &str,
        comment: &str,
        now: &str,
        race: Option<Race>,
    ) -> CancelOutcome {
        let Some(action) = self.actions.get_mut(&id.to_ascii_lowercase()) else {
            return CancelOutcome::NotFound;
        };
        if let (Some(Race::CompletesFirst(status)), Some(obj)) = (&race, action.as_object_mut()) {
            obj.insert("status".into(), status.clone().into());
            obj.insert("lastUpdateDateTimeUtc".into(), now.into());
        }
        let status = match action.get("status") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "null".into(),
        };
        if status != "Pending" && status != "InProgress" {
            return CancelOutcome::NotCancellable(status);
        }
        if let Some(obj) = action.as_object_mut() {
            obj.insert("status".into(), "Cancelled".into());
            obj.insert("lastUpdateDateTimeUtc".into(), now.into());
            obj.insert("cancellationRequestor".into(), requestor.into());
            obj.insert("cancellationComment".into(), comment.into());
            obj.insert("cancellationDateTimeUtc".into(), now.into());
            if race == Some(Race::CommandCompletes) {
                if let Some(Value::Array(commands)) = obj.get_mut("commands") {
                    for command in commands.iter_mut().filter_map(Value::as_object_mut) {
                        command.insert("commandStatus".into(), "Completed".into());
                    }
                }
            }
        }
        CancelOutcome::Cancelled(action.clone())
    }
}

/// How an action's next cancel races with the action finishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Race {
    /// The action reaches this final status just before the cancel is processed, so
    /// the cancel is refused like any cancel of a finished action.
    CompletesFirst(String),
    /// The cancel goes through, but the live-response commands had already completed.
    CommandCompletes,
}

/// A static mount: URL prefix (no trailing slash, `""` for `/`) to directory.
#[derive(Clone, Debug)]
pub struct StaticMount {
    pub prefix: String,
    pub dir: PathBuf,
}

/// Shared by every request; the mutexes are never held across an `.await`.
pub struct AppState {
    pub store: Mutex<Store>,
    pub faults: Mutex<FaultQueue>,
    pub requests: Mutex<RequestLog>,
    /// Tokens issued by the Entra token endpoint, and its counters.
    pub entra: Mutex<EntraState>,
    /// The app registration the token endpoint accepts (`--entra-*` flags).
    pub entra_config: EntraConfig,
    /// User sign-in: signing keys, codes, refresh tokens (`oidc*.rs`).
    pub oidc: Mutex<OidcState>,
    /// The SPA and API registrations and the issuer (`--oidc-*` flags, the TLS port).
    pub oidc_config: OidcConfig,
    /// Defender's rate limit per endpoint, and the limits `/_sim/reset` restores.
    pub quota: Mutex<Quota>,
    pub default_quota: Vec<Limit>,
    /// Actions whose next cancel races with their completion (`/_sim/race`).
    pub races: Mutex<HashMap<String, Race>>,
    /// Results a list page holds at most (`/_sim/paging`), so tests can force paging.
    pub page_size: AtomicUsize,
    pub tokens: Vec<String>,
    /// The allowed origins and `/_sim`'s secret (`guard.rs`).
    pub access: Access,
    pub seed: SeedKind,
    pub quiet: bool,
    /// Sorted longest prefix first.
    pub statics: Vec<StaticMount>,
}

/// Locks a mutex, ignoring poisoning: the data are plain values, always left consistent,
/// and a poisoned lock must not turn every later request into a panic.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(
        tokens: Vec<String>,
        seed: SeedKind,
        quiet: bool,
        mut statics: Vec<StaticMount>,
    ) -> Self {
        statics.sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
        AppState {
            store: Mutex::new(Store::new(seed)),
            faults: Mutex::new(FaultQueue::default()),
            requests: Mutex::new(RequestLog::default()),
            entra: Mutex::new(EntraState::default()),
            entra_config: EntraConfig::default(),
            oidc: Mutex::new(OidcState::default()),
            oidc_config: OidcConfig::default(),
            quota: Mutex::new(Quota::new(DEFENDER.to_vec())),
            default_quota: DEFENDER.to_vec(),
            races: Mutex::new(HashMap::new()),
            page_size: AtomicUsize::new(DEFAULT_PAGE_SIZE),
            tokens,
            access: Access::new(0, &[], Access::generate_secret()),
            seed,
            quiet,
            statics,
        }
    }

    /// `POST /_sim/reset`: seed back, faults, request log and Entra tokens/counters cleared
    /// (sign-in codes and refresh tokens too; the signing keys stay).
    pub fn reset(&self) {
        lock(&self.store).reset(self.seed);
        lock(&self.faults).clear();
        lock(&self.requests).clear();
        lock(&self.entra).reset();
        lock(&self.oidc).reset();
        lock(&self.quota).set_limits(self.default_quota.clone());
        lock(&self.races).clear();
        self.page_size.store(DEFAULT_PAGE_SIZE, Ordering::Relaxed);
    }

    /// The limits the server starts with and `/_sim/reset` restores (`--quota`).
    pub fn set_default_quota(&mut self, limits: Vec<Limit>) {
        self.default_quota = limits.clone();
        self.quota = Mutex::new(Quota::new(limits));
    }

    /// The principal a token stands for, or `None` if the token is not accepted: a static
    /// `--token`, or an unexpired token issued by the Entra endpoint.
    pub fn principal(&self, token: &str) -> Option<&'static str> {
        if !self.tokens.iter().any(|t| t == token) {
            return match lock(&self.entra).check(token) {
                Some(true) => Some(OTHER_PRINCIPAL),
                _ => None,
            };
        }
        Some(if token == DEFAULT_TOKEN {
            DEFAULT_PRINCIPAL
        } else {
            OTHER_PRINCIPAL
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: &str = "2026-11-29T15:04:05.1234567Z";

    #[test]
    fn cancel_pending_sets_fields() {
        let mut s = Store::new(SeedKind::Default);
        let out = s.cancel(
            seed::PENDING_ISOLATE,
            DEFAULT_PRINCIPAL,
            "wrong host",
            NOW,
            None,
        );
        let CancelOutcome::Cancelled(v) = out else {
            panic!("expected cancel, got {out:?}");
        };
        assert_eq!(v["status"], "Cancelled");
        assert_eq!(v["cancellationRequestor"], DEFAULT_PRINCIPAL);
        assert_eq!(v["cancellationComment"], "wrong host");
        assert_eq!(v["cancellationDateTimeUtc"], NOW);
        assert_eq!(v["lastUpdateDateTimeUtc"], NOW);
        // Field order is untouched by the update.
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys[5], "status");
        assert_eq!(s.get(seed::PENDING_ISOLATE).unwrap()["status"], "Cancelled");
        // A second cancel now fails.
        assert_eq!(
            s.cancel(seed::PENDING_ISOLATE, DEFAULT_PRINCIPAL, "again", NOW, None),
            CancelOutcome::NotCancellable("Cancelled".into())
        );
    }

    #[test]
    fn cancel_in_progress_and_ids_case_insensitive() {
        let mut s = Store::new(SeedKind::Default);
        let upper = seed::IN_PROGRESS_QUARANTINE.to_ascii_uppercase();
        assert!(matches!(
            s.cancel(&upper, OTHER_PRINCIPAL, "c", NOW, None),
            CancelOutcome::Cancelled(_)
        ));
    }

    #[test]
    fn cancel_final_states_fail() {
        let mut s = Store::new(SeedKind::Default);
        for (id, status) in [
            (seed::SUCCEEDED, "Succeeded"),
            (seed::FAILED, "Failed"),
            (seed::TIMED_OUT, "TimeOut"),
            (seed::CANCELLED, "Cancelled"),
        ] {
            assert_eq!(
                s.cancel(id, DEFAULT_PRINCIPAL, "c", NOW, None),
                CancelOutcome::NotCancellable(status.into())
            );
        }
        assert_eq!(
            s.cancel("nope", DEFAULT_PRINCIPAL, "c", NOW, None),
            CancelOutcome::NotFound
        );
    }

    #[test]
    fn put_keeps_shape_and_reset_restores() {
        let mut s = Store::new(SeedKind::Default);
        let Value::Object(m) = json!({"status": "Pending", "weird": [1, 2], "id": "other"}) else {
            unreachable!()
        };
        let v = s.put(seed::SUCCEEDED, m);
        assert_eq!(
            v,
            json!({"status": "Pending", "weird": [1, 2], "id": seed::SUCCEEDED})
        );
        let Value::Object(m) = json!({"status": 7}) else {
            unreachable!()
        };
        let v = s.put("NEW-ID", m);
        assert_eq!(v.as_object().unwrap().keys().next().unwrap(), "id");
        assert_eq!(
            s.cancel("new-id", "p", "c", NOW, None),
            CancelOutcome::NotCancellable("7".into())
        );
        s.reset(SeedKind::Default);
        assert_eq!(s.get(seed::SUCCEEDED).unwrap()["status"], "Succeeded");
        assert!(s.get("new-id").is_none());
        s.reset(SeedKind::None);
        assert!(s.list().is_empty());
    }

    #[test]
    fn principals_never_echo_tokens() {
        let st = AppState::new(
            vec!["sim-token".into(), "secret-xyz".into()],
            SeedKind::None,
            true,
            vec![],
        );
        assert_eq!(st.principal("sim-token"), Some(DEFAULT_PRINCIPAL));
        assert_eq!(st.principal("secret-xyz"), Some(OTHER_PRINCIPAL));
        assert_eq!(st.principal("nope"), None);
    }
}
