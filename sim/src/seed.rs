//! The deterministic seed (`--seed default` and `POST /_sim/reset`): one action per
//! interesting status/type combination, with stable lower-case GUIDs that tests and the
//! README can name, on the ten devices of `machines::NAMED`. The `demo` preset builds on
//! it (`demo.rs`). Shapes follow real captured payloads (field order, `externalId`,
//! `null` for empty, `errorHResult: 0`, `requestSource: "PublicApi"`), not the docs' samples.

use serde_json::{json, Value};

use crate::state::SeedKind;
use crate::{demo, machines};

pub const PENDING_ISOLATE: &str = "0f5a1c2e-7b3d-4e8a-9c61-2d4b8e7f1a01";
pub const PENDING_AV_SCAN: &str = "1b7e4d90-3c2a-4f6b-8e15-7a9c0d3e2b02";
pub const PENDING_LIVE_RESPONSE: &str = "2c8f5ea1-4d3b-4a7c-9f26-8bad1e4f3c03";
pub const PENDING_COLLECT: &str = "3d9a6fb2-5e4c-4b8d-a037-9cbe2f5a4d04";
pub const IN_PROGRESS_ISOLATE: &str = "4eab7ac3-6f5d-4c9e-b148-adcf3a6b5e05";
pub const IN_PROGRESS_QUARANTINE: &str = "5fbc8bd4-7a6e-4daf-8259-bed04b7c6f06";
pub const IN_PROGRESS_LIVE_RESPONSE: &str = "6acd9ce5-8b7f-4eb0-936a-cfe15c8d7a07";
pub const SUCCEEDED: &str = "7bde0df6-9c8a-4fc1-a47b-d0f26d9e8b08";
pub const FAILED: &str = "8cef1e07-ad9b-40d2-b58c-e1037eaf9c09";
pub const TIMED_OUT: &str = "9df02f18-be0c-41e3-869d-f2148fb0ad10";
pub const CANCELLED: &str = "a0e13029-cf1d-42f4-97ae-03259ac1be11";

/// The actions and devices `kind` seeds for a simulator started at `start` (Unix secs).
pub fn load(kind: SeedKind, start: u64) -> (Vec<Value>, Vec<Value>) {
    match kind {
        SeedKind::Default => (default_actions(), machines::named(start)),
        SeedKind::Demo => demo::tenant(start),
        SeedKind::None => (Vec::new(), Vec::new()),
    }
}

/// Every field of a real entity, in the captured order; callers then override a few.
#[allow(clippy::too_many_arguments)]
pub fn action(
    id: &str,
    kind: &str,
    scope: Option<&str>,
    requestor: &str,
    comment: &str,
    status: &str,
    machine_id: &str,
    dns: &str,
    created: &str,
    updated: &str,
) -> Value {
    json!({
        "id": id,
        "type": kind,
        "title": null,
        "requestor": requestor,
        "requestorComment": comment,
        "status": status,
        "machineId": machine_id,
        "computerDnsName": dns,
        "creationDateTimeUtc": created,
        "lastUpdateDateTimeUtc": updated,
        "cancellationRequestor": null,
        "cancellationComment": null,
        "cancellationDateTimeUtc": null,
        "errorHResult": 0,
        "scope": scope,
        "externalId": null,
        "requestSource": "PublicApi",
        "relatedFileInfo": null,
        "commands": [],
        "troubleshootInfo": null
    })
}

/// A live-response command object as real list responses show it.
pub fn run_script(index: u32, script: &str, status: &str) -> Value {
    json!({
        "index": index,
        "startTime": null,
        "endTime": null,
        "commandStatus": status,
        "errors": [],
        "command": { "type": "RunScript", "params": [ { "key": "ScriptName", "value": script } ] }
    })
}

pub fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_owned(), value);
    }
}

/// The default seed, in a fixed order (also the order of `GET /_sim/actions`).
pub fn default_actions() -> Vec<Value> {
    let mut live_pending = action(
        PENDING_LIVE_RESPONSE,
        "LiveResponse",
        None,
        "ir-lead@contoso.onmicrosoft.com",
        "Collect triage data",
        "Pending",
        "c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6",
        "srv-web-007.contoso.local",
        "2026-03-02T10:02:44.9120443Z",
        "2026-03-02T10:02:44.9120443Z",
    );
    set(
        &mut live_pending,
        "commands",
        json!([run_script(0, "collect.ps1", "Created")]),
    );

    let mut quarantine = action(
        IN_PROGRESS_QUARANTINE,
        "StopAndQuarantineFile",
        None,
        "analyst@contoso.onmicrosoft.com",
        "Quarantine dropper seen in alert da6379b7",
        "InProgress",
        "f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829",
        "desktop-mkt-019.contoso.local",
        "2026-03-01T16:40:03.5512870Z",
        "2026-03-01T16:41:12.0083315Z",
    );
    set(
        &mut quarantine,
        "relatedFileInfo",
        json!({
            "fileIdentifier": "87662bc3d60e4200ceaf7aae249d1c343f4b83c9",
            "fileIdentifierType": "Sha1"
        }),
    );

    let mut live_running = action(
        IN_PROGRESS_LIVE_RESPONSE,
        "LiveResponse",
        None,
        "ir-lead@contoso.onmicrosoft.com",
        "Run memory collection",
        "InProgress",
        "0718293a4b5c6d7e8f90a1b2c3d4e5f60718293a",
        "srv-db-002.contoso.local",
        "2026-03-01T17:20:11.7701934Z",
        "2026-03-01T17:21:02.1419870Z",
    );
    set(
        &mut live_running,
        "commands",
        json!([
            run_script(0, "collect.ps1", "Completed"),
            run_script(1, "memdump.ps1", "Created")
        ]),
    );

    let mut cancelled = action(
        CANCELLED,
        "Isolate",
        Some("Full"),
        "analyst@contoso.onmicrosoft.com",
        "Isolate pending triage",
        "Cancelled",
        "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e",
        "desktop-fin-017.contoso.local",
        "2026-02-24T11:05:09.3309911Z",
        "2026-02-24T11:07:40.6623018Z",
    );
    set(
        &mut cancelled,
        "cancellationRequestor",
        json!("soc-portal@contoso.onmicrosoft.com"),
    );
    set(
        &mut cancelled,
        "cancellationComment",
        json!("False positive, confirmed with user"),
    );
    set(
        &mut cancelled,
        "cancellationDateTimeUtc",
        json!("2026-02-24T11:07:40.6623018Z"),
    );

    let mut failed = action(
        FAILED,
        "RunAntiVirusScan",
        Some("Full"),
        "analyst2@contoso.onmicrosoft.com",
        "Full scan after USB incident",
        "Failed",
        "2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
        "laptop-sales-101.contoso.local",
        "2026-02-25T13:30:00.1000000Z",
        "2026-02-25T14:12:18.2290012Z",
    );
    set(&mut failed, "errorHResult", json!(-2147024809));

    vec![
        action(
            PENDING_ISOLATE,
            "Isolate",
            Some("Full"),
            "analyst@contoso.onmicrosoft.com",
            "Isolate: suspected ransomware beaconing",
            "Pending",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4",
            "desktop-fin-042.contoso.local",
            "2026-03-02T09:14:21.4473920Z",
            "2026-03-02T09:14:21.4473920Z",
        ),
        action(
            PENDING_AV_SCAN,
            "RunAntiVirusScan",
            Some("Quick"),
            "analyst2@contoso.onmicrosoft.com",
            "Quick scan after phishing click",
            "Pending",
            "b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5",
            "laptop-hr-113.contoso.local",
            "2026-03-02T09:31:07.0215566Z",
            "2026-03-02T09:31:07.0215566Z",
        ),
        live_pending,
        action(
            PENDING_COLLECT,
            "CollectInvestigationPackage",
            None,
            "analyst@contoso.onmicrosoft.com",
            "Collect package for case 4711",
            "Pending",
            "d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607",
            "desktop-eng-230.contoso.local",
            "2026-03-02T10:45:59.6690001Z",
            "2026-03-02T10:45:59.6690001Z",
        ),
        action(
            IN_PROGRESS_ISOLATE,
            "Isolate",
            Some("Selective"),
            "analyst@contoso.onmicrosoft.com",
            "Selective isolation, keep Outlook/Teams",
            "InProgress",
            "e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718",
            "laptop-exec-001.contoso.local",
            "2026-03-01T15:22:37.8801245Z",
            "2026-03-01T15:23:05.1163892Z",
        ),
        quarantine,
        live_running,
        action(
            SUCCEEDED,
            "Unisolate",
            None,
            "analyst@contoso.onmicrosoft.com",
            "Release after remediation",
            "Succeeded",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4",
            "desktop-fin-042.contoso.local",
            "2026-02-27T08:00:12.4420001Z",
            "2026-02-27T08:01:44.9038810Z",
        ),
        failed,
        action(
            TIMED_OUT,
            "RestrictCodeExecution",
            None,
            "analyst2@contoso.onmicrosoft.com",
            "Restrict execution on kiosk",
            "TimeOut",
            "3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
            "kiosk-lobby-003.contoso.local",
            "2026-02-20T07:45:31.0907764Z",
            "2026-02-23T07:45:31.1552098Z",
        ),
        cancelled,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_hex(s: &str, len: usize) -> bool {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn seed_ids_and_machine_ids_are_well_formed() {
        let seed = default_actions();
        assert_eq!(seed.len(), 11);
        for a in &seed {
            let id = a["id"].as_str().unwrap();
            let groups: Vec<&str> = id.split('-').collect();
            let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lens, [8, 4, 4, 4, 12], "{id}");
            assert!(groups.iter().all(|g| is_hex(g, g.len())), "{id}");
            assert!(is_hex(a["machineId"].as_str().unwrap(), 40), "{id}");
            let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
            assert_eq!(keys[0], "id");
            assert_eq!(keys.last().unwrap().as_str(), "troubleshootInfo");
        }
        let mut ids: Vec<&str> = seed.iter().map(|a| a["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 11);
    }

    #[test]
    fn default_actions_run_on_the_named_devices() {
        let (actions, devices) = load(SeedKind::Default, 1_795_964_645);
        for a in &actions {
            assert!(
                devices
                    .iter()
                    .any(|m| m["id"] == a["machineId"]
                        && m["computerDnsName"] == a["computerDnsName"]),
                "{}",
                a["id"]
            );
        }
        assert_eq!(load(SeedKind::None, 0), (vec![], vec![]));
    }
}
