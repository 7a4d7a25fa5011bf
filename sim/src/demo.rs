//! The `demo` seed: a realistic tenant for `cargo xtask demo` and the bench. The default
//! seed's actions (same ids, moved to the last days), [`FLEET_SIZE`](crate::machines::FLEET_SIZE)
//! devices, two weeks of finished history, and a misfired playbook: [`PLAYBOOK_COUNT`]
//! Pending full scans on as many devices, from one requestor within two minutes an hour
//! before the start — what an analyst would find and cancel in bulk. Deterministic: only
//! the start time moves it.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::machines;
use crate::seed::{self, action, run_script, set};
use crate::util::{format_ticks, new_uuid, now_iso, parse_iso, stable_guid, Rng};

pub const PLAYBOOK_COUNT: usize = 150;
pub const PLAYBOOK_REQUESTOR: &str = "playbook-auto-scan@contoso.com";
pub const PLAYBOOK_COMMENT: &str = "Automated full scan – playbook 'Suspicious PowerShell' v3";
/// Finished actions in the history.
const HISTORY: usize = 80;

const TICKS: i64 = 10_000_000;

/// Actions and devices of the demo tenant for a simulator started at `start` (Unix secs).
pub fn tenant(start: u64) -> (Vec<Value>, Vec<Value>) {
    let now = start as i64 * TICKS;
    let fleet = machines::fleet(start);
    let mut actions = moved_default_actions(now);
    actions.extend(playbook(now, &fleet));
    actions.extend(history(now, &fleet));
    (actions, fleet)
}

/// The default seed, shifted so its newest action is 40 minutes old.
fn moved_default_actions(now: i64) -> Vec<Value> {
    let newest = parse_iso("2026-03-02T10:45:59.6690001Z").unwrap_or_default();
    let shift = now - 40 * 60 * TICKS - newest;
    let mut actions = seed::default_actions();
    for a in &mut actions {
        for key in [
            "creationDateTimeUtc",
            "lastUpdateDateTimeUtc",
            "cancellationDateTimeUtc",
        ] {
            if let Some(t) = a[key].as_str().and_then(parse_iso) {
                set(a, key, format_ticks(t + shift).into());
            }
        }
    }
    actions
}

/// The misfired playbook's scans, on the fleet's workstations past the named ones.
fn playbook(now: i64, fleet: &[Value]) -> Vec<Value> {
    let workstations = fleet[machines::NAMED.len()..].iter().filter(|m| {
        let name = m["computerDnsName"].as_str().unwrap_or("");
        name.starts_with("desktop-") || name.starts_with("laptop-")
    });
    workstations
        .take(PLAYBOOK_COUNT)
        .enumerate()
        .map(|(i, m)| {
            // 0.8 s apart: all 150 within two minutes, an hour ago.
            let created = format_ticks(now - 3600 * TICKS + i as i64 * 8 * TICKS / 10);
            action(
                &stable_guid(&format!("playbook-scan-{i}")),
                "RunAntiVirusScan",
                Some("Full"),
                PLAYBOOK_REQUESTOR,
                PLAYBOOK_COMMENT,
                "Pending",
                m["id"].as_str().unwrap_or_default(),
                m["computerDnsName"].as_str().unwrap_or_default(),
                &created,
                &created,
            )
        })
        .collect()
}

/// Two weeks of finished actions across the fleet.
fn history(now: i64, fleet: &[Value]) -> Vec<Value> {
    const KINDS: [(&str, Option<&str>, &str); 9] = [
        ("RunAntiVirusScan", Some("Quick"), "Quick scan after alert"),
        (
            "RunAntiVirusScan",
            Some("Full"),
            "Full scan, user reported pop-ups",
        ),
        (
            "Isolate",
            Some("Full"),
            "Isolate: credential theft suspected",
        ),
        (
            "Isolate",
            Some("Selective"),
            "Selective isolation during triage",
        ),
        ("Unisolate", None, "Release after remediation"),
        (
            "CollectInvestigationPackage",
            None,
            "Collect package for the case",
        ),
        (
            "RestrictCodeExecution",
            None,
            "Restrict execution pending review",
        ),
        ("StopAndQuarantineFile", None, "Quarantine file from alert"),
        ("LiveResponse", None, "Collect triage data"),
    ];
    const ANALYSTS: [&str; 4] = [
        "analyst@contoso.onmicrosoft.com",
        "analyst2@contoso.onmicrosoft.com",
        "ir-lead@contoso.onmicrosoft.com",
        "soc-automation@contoso.onmicrosoft.com",
    ];
    let mut rng = Rng::new(0x0005_EED5);
    (0..HISTORY)
        .map(|i| {
            let (kind, scope, comment) = *rng.pick(&KINDS);
            // Not on the named devices, whose story the default seed tells.
            let m = rng.pick(&fleet[machines::NAMED.len()..]);
            let status = *rng.pick(&[
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Failed",
                "Cancelled",
                "TimeOut",
            ]);
            // TimeOut comes three days after the request, so those start earlier.
            let age_days = if status == "TimeOut" { 4..14 } else { 1..14 };
            let created = now - rng.range(age_days.start * 86_400, age_days.end * 86_400) as i64 * TICKS
                - rng.range(0, TICKS as u64) as i64;
            let updated = created
                + if status == "TimeOut" {
                    3 * 86_400 * TICKS
                } else {
                    rng.range(30, 2400) as i64 * TICKS
                };
            let (created, updated) = (format_ticks(created), format_ticks(updated));
            let requestor = *rng.pick(&ANALYSTS);
            let mut a = action(
                &stable_guid(&format!("history-{i}")),
                kind,
                scope,
                requestor,
                comment,
                status,
                m["id"].as_str().unwrap_or_default(),
                m["computerDnsName"].as_str().unwrap_or_default(),
                &created,
                &updated,
            );
            match status {
                "Failed" => set(&mut a, "errorHResult", json!(-2147024809)),
                "Cancelled" => {
                    set(&mut a, "cancellationRequestor", json!(rng.pick(&ANALYSTS)));
                    set(&mut a, "cancellationComment", json!("Not needed any more"));
                    set(&mut a, "cancellationDateTimeUtc", json!(updated));
                }
                _ => {}
            }
            match kind {
                "StopAndQuarantineFile" => set(
                    &mut a,
                    "relatedFileInfo",
                    json!({"fileIdentifier": &stable_guid(&format!("file-{i}")).replace('-', "")[..32],
                           "fileIdentifierType": "Md5"}),
                ),
                "LiveResponse" => {
                    let done = if status == "Succeeded" { "Completed" } else { "Failed" };
                    set(&mut a, "commands", json!([run_script(0, "collect.ps1", done)]));
                }
                _ => {}
            }
            a
        })
        .collect()
}

/// Most actions one `POST /_sim/pending` plants.
pub const MAX_PENDING: usize = 10_000;

/// The body of `POST /_sim/pending`: `count` Pending actions of `type` at once, for tests
/// and the bench.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingSpec {
    pub count: usize,
    #[serde(default = "default_type", rename = "type")]
    pub kind: String,
    #[serde(default = "default_requestor")]
    pub requestor: String,
    #[serde(default = "default_comment")]
    pub comment: String,
}

fn default_type() -> String {
    "RunAntiVirusScan".into()
}
fn default_requestor() -> String {
    PLAYBOOK_REQUESTOR.into()
}
fn default_comment() -> String {
    PLAYBOOK_COMMENT.into()
}

impl PendingSpec {
    /// Reads and checks a posted body; `Err` is the 400 message.
    pub fn parse(raw: &[u8]) -> Result<PendingSpec, String> {
        let value: Value = serde_json::from_slice(raw).map_err(|e| format!("invalid JSON: {e}"))?;
        if !value.is_object() {
            return Err("body must be a JSON object".into());
        }
        let spec: PendingSpec =
            serde_json::from_value(value).map_err(|e| format!("invalid pending spec: {e}"))?;
        if !(1..=MAX_PENDING).contains(&spec.count) {
            return Err(format!("count must be 1 to {MAX_PENDING}"));
        }
        let kind_ok = !spec.kind.is_empty()
            && spec.kind.len() <= 64
            && spec
                .kind
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b' ');
        if !kind_ok {
            return Err("type must be an action type such as RunAntiVirusScan".into());
        }
        Ok(spec)
    }

    /// The actions, one on each of `devices` (more devices are made when there are too
    /// few), and the devices made.
    pub fn plant(&self, devices: &[&Value], start: u64) -> (Vec<Value>, Vec<Value>) {
        let made: Vec<Value> = (devices.len()..self.count)
            .map(|i| {
                let host = format!("desktop-bulk-{i:05}");
                machines::machine(&host, &machines::machine_id(&host), Some("Active"), start)
            })
            .collect();
        let scope = match self.kind.as_str() {
            "RunAntiVirusScan" | "Isolate" => Some("Full"),
            _ => None,
        };
        let now = now_iso();
        let actions = devices
            .iter()
            .copied()
            .chain(&made)
            .take(self.count)
            .map(|m| {
                action(
                    &new_uuid(),
                    &self.kind,
                    scope,
                    &self.requestor,
                    &self.comment,
                    "Pending",
                    m["id"].as_str().unwrap_or_default(),
                    m["computerDnsName"].as_str().unwrap_or_default(),
                    &now,
                    &now,
                )
            })
            .collect();
        (actions, made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const START: u64 = 1_795_964_645;

    #[test]
    fn playbook_scans_are_on_distinct_known_devices() {
        let (actions, fleet) = tenant(START);
        let devices: HashSet<(&str, &str)> = fleet
            .iter()
            .map(|m| {
                (
                    m["id"].as_str().unwrap(),
                    m["computerDnsName"].as_str().unwrap(),
                )
            })
            .collect();
        let scans: Vec<&Value> = actions
            .iter()
            .filter(|a| a["requestor"] == PLAYBOOK_REQUESTOR)
            .collect();
        assert_eq!(scans.len(), PLAYBOOK_COUNT);
        let on: HashSet<&str> = scans
            .iter()
            .map(|a| a["machineId"].as_str().unwrap())
            .collect();
        assert_eq!(on.len(), PLAYBOOK_COUNT);
        let hour_ago = (START as i64 - 3600) * TICKS;
        for a in &scans {
            assert_eq!(
                (&a["type"], &a["scope"], &a["status"]),
                (
                    &json!("RunAntiVirusScan"),
                    &json!("Full"),
                    &json!("Pending")
                )
            );
            assert_eq!(a["requestorComment"], PLAYBOOK_COMMENT);
            let t = parse_iso(a["creationDateTimeUtc"].as_str().unwrap()).unwrap();
            assert!((hour_ago..hour_ago + 120 * TICKS).contains(&t));
        }
        // Every action runs on a device of the tenant, under its name.
        for a in &actions {
            let device = (
                a["machineId"].as_str().unwrap(),
                a["computerDnsName"].as_str().unwrap(),
            );
            assert!(devices.contains(&device), "{device:?}");
        }
    }

    #[test]
    fn planted_actions_use_distinct_devices_and_make_missing_ones() {
        let fleet = machines::named(START);
        let devices: Vec<&Value> = fleet.iter().collect();
        let spec = PendingSpec::parse(br#"{"count":12,"type":"Isolate"}"#).unwrap();
        let (actions, made) = spec.plant(&devices, START);
        assert_eq!((actions.len(), made.len()), (12, 2));
        let on: HashSet<&str> = actions
            .iter()
            .map(|a| a["machineId"].as_str().unwrap())
            .collect();
        assert_eq!(on.len(), 12);
        assert!(actions
            .iter()
            .all(|a| a["status"] == "Pending" && a["scope"] == "Full"));
        let (few, made) = PendingSpec::parse(br#"{"count":3}"#)
            .unwrap()
            .plant(&devices, START);
        assert_eq!((few.len(), made.len()), (3, 0));
        assert_eq!(few[0]["type"], "RunAntiVirusScan");
        for bad in [
            &br#"{"count":0}"#[..],
            br#"{"count":10001}"#,
            br#"{"count":-1}"#,
            br#"{}"#,
            br#"{"count":1,"type":""}"#,
            br#"{"count":1,"type":"a'b"}"#,
            br#"{"count":1,"colour":"red"}"#,
            b"[1]",
        ] {
            assert!(
                PendingSpec::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn actions_are_complete_unique_and_in_the_past() {
        let (actions, _) = tenant(START);
        assert_eq!(actions.len(), 11 + PLAYBOOK_COUNT + HISTORY);
        assert_eq!(actions, tenant(START).0);
        let shape: Vec<String> = seed::default_actions()[0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut ids = HashSet::new();
        for a in &actions {
            let keys: Vec<String> = a.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, shape);
            assert!(ids.insert(a["id"].as_str().unwrap().to_owned()));
            for key in ["creationDateTimeUtc", "lastUpdateDateTimeUtc"] {
                let t = parse_iso(a[key].as_str().unwrap()).unwrap();
                assert!(t <= START as i64 * TICKS, "{key} of {}", a["id"]);
            }
        }
        assert!(ids.contains(seed::PENDING_ISOLATE));
        for status in ["Succeeded", "Failed", "Cancelled", "TimeOut", "InProgress"] {
            assert!(actions.iter().any(|a| a["status"] == status), "{status}");
        }
    }
}
