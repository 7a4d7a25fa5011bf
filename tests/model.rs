//! The MachineAction model reads every payload variant seen in the wild; the
//! body it came in is kept whole, in one canonical shape.
// Native: bodies are parsed with serde_json here (the engine parses them in wasm).
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::{
    ActionStatus, ActionType, Body, Command, MachineAction, RawJson, RelatedFileInfo,
};
use serde_json::{json, Value};
use std::fs;

/// The typed view and the kept body, as `interpret` makes them.
fn read(text: &str) -> (MachineAction, RawJson) {
    let (_, json) = Body::from_text(text).action().unwrap();
    (MachineAction::from_json(&json), json)
}

fn fixture(name: &str) -> String {
    fs::read_to_string(format!("tests/fixtures/mde/{name}")).unwrap()
}

/// Every entity in the fixtures: whole files, and the items of list answers.
fn all_entities() -> Vec<(String, String)> {
    let mut entities = Vec::new();
    for entry in fs::read_dir("tests/fixtures/mde").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json")
            || name.contains("error")
            || name.contains("transcript")
            || name.contains("result-link")
            || name.contains("sas-uri")
        {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        match serde_json::from_str::<Value>(&text).unwrap().get("value") {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    entities.push((format!("{name}[{i}]"), item.to_string()));
                }
            }
            _ => entities.push((name, text)),
        }
    }
    assert!(entities.len() >= 25, "found {}", entities.len());
    entities
}

#[test]
fn every_fixture_entity_parses() {
    for (name, text) in all_entities() {
        let action = MachineAction::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!action.id.is_empty(), "{name}");
    }
}

#[test]
fn the_kept_body_has_every_field_of_every_fixture() {
    for (name, text) in all_entities() {
        let Value::Object(original) = serde_json::from_str(&text).unwrap() else {
            panic!("{name}")
        };
        let (_, kept) = read(&text);
        for (key, value) in original {
            let canonical = match key.as_str() {
                "externalId" if kept.get("externalId").is_none() => "externalID",
                "lastUpdateTimeUtc" if kept.get("lastUpdateTimeUtc").is_none() => {
                    "lastUpdateDateTimeUtc"
                }
                other => other,
            };
            let kept = kept
                .get(canonical)
                .unwrap_or_else(|| panic!("{name}: {key} lost"));
            if !matches!(key.as_str(), "status" | "type") {
                assert_eq!(kept, &value, "{name}: {key}");
            }
        }
    }
}

#[test]
fn the_seed_example_parses_with_strings_for_commands_and_file_info() {
    let action =
        MachineAction::parse(&fixture("synthetic-swimlane-cancel-200-json_body.json")).unwrap();
    assert_eq!(
        action.action_type,
        Some(ActionType::CollectInvestigationPackage)
    );
    assert_eq!(action.status, ActionStatus::Succeeded);
    assert_eq!(action.external_id.as_deref(), Some(""));
    assert_eq!(action.commands, Some(vec![Command::Name("PutFile".into())]));
    assert_eq!(
        action.related_file_info,
        Some(RelatedFileInfo::Text(String::new()))
    );
    assert_eq!(
        action.cancellation_date_time_utc.as_deref(),
        Some("2019-01-02T14:39:38.2262283Z")
    );
}

#[test]
fn a_real_capture_reads_externalid_nulls_and_unmodelled_fields() {
    let (action, kept) = read(&fixture("realworld-sekoia-isolate-201.json"));
    assert_eq!(action.status, ActionStatus::Pending);
    assert_eq!(action.external_id, None);
    assert_eq!(action.error_h_result, Some(0));
    assert_eq!(action.commands, Some(vec![]));
    assert_eq!(action.request_source.as_deref(), Some("PublicApi"));
    assert!(kept["@odata.context"].is_string());
    assert!(kept.get("troubleshootInfo").is_some());
}

#[test]
fn live_response_commands_are_records_with_accessors() {
    let list: Value = serde_json::from_str(&fixture(
        "realworld-cloudarchitekt-list-liveresponse-200.json",
    ))
    .unwrap();
    let action = MachineAction::parse(&list["value"][0].to_string()).unwrap();
    assert_eq!(action.action_type, Some(ActionType::LiveResponse));
    let commands = action.commands.unwrap();
    assert_eq!(commands[0].command_status(), Some("Completed"));
    assert!(commands[0].command_type().is_some());
}

#[test]
fn a_file_action_exposes_its_hash() {
    let action =
        MachineAction::parse(&fixture("legacy-2018-stop-and-quarantine-file-201.json")).unwrap();
    let file = action.related_file_info.unwrap();
    assert_eq!(file.file_identifier_type(), Some("Sha1"));
    assert!(file.file_identifier().is_some_and(|h| h.len() == 40));
}

#[test]
fn spelling_variants_are_read_into_one_shape() {
    let (action, kept) = read(
        r#"{"id":"a","status":"Canceled","type":"Live Response","externalId":"e","lastUpdateTimeUtc":"t"}"#,
    );
    assert_eq!(kept["status"], "Cancelled");
    assert_eq!(kept["type"], "LiveResponse");
    assert_eq!(kept["externalID"], "e");
    assert_eq!(kept["lastUpdateDateTimeUtc"], "t");
    assert!(kept.get("externalId").is_none() && kept.get("lastUpdateTimeUtc").is_none());
    assert_eq!(action.status, ActionStatus::Cancelled);
    assert!(action.status.is_final());
    assert_eq!(action.action_type, Some(ActionType::LiveResponse));
    assert_eq!(action.external_id.as_deref(), Some("e"));
    assert_eq!(action.last_update_date_time_utc.as_deref(), Some("t"));
}

#[test]
fn unknown_enum_values_are_kept() {
    let (action, kept) = read(r#"{"id":"a","status":"Queued","type":"Reboot"}"#);
    assert_eq!(action.status, ActionStatus::Other("Queued".into()));
    assert_eq!(action.status.as_str(), "Queued");
    assert!(
        !action.status.is_final(),
        "a status this version does not know is not taken as finished"
    );
    assert_eq!(
        action.action_type.as_ref().map(ActionType::as_str),
        Some("Reboot")
    );
    assert_eq!(kept["type"], "Reboot");
    assert_eq!(kept["status"], "Queued");
}

#[test]
fn pending_and_in_progress_are_not_final() {
    assert!(!ActionStatus::Pending.is_final());
    assert!(!ActionStatus::InProgress.is_final());
    for status in [
        ActionStatus::Succeeded,
        ActionStatus::Failed,
        ActionStatus::TimeOut,
        ActionStatus::Cancelled,
    ] {
        assert!(status.is_final(), "{status:?}");
    }
}

#[test]
fn the_kept_body_has_every_canonical_field_and_everything_else_as_sent() {
    let (_, kept) = read(r#"{"id":"a","status":"Pending","zeta":1,"alpha":[true,null,-1.5e3]}"#);
    assert_eq!(
        kept,
        json!({"id":"a","status":"Pending","zeta":1,"alpha":[true,null,-1.5e3],
            "type":null,"scope":null,"requestor":null,"externalID":null,"requestSource":null,
            "commands":null,"cancellationRequestor":null,"requestorComment":null,
            "cancellationComment":null,"machineId":null,"computerDnsName":null,
            "cancellationDateTimeUtc":null,"creationDateTimeUtc":null,
            "lastUpdateDateTimeUtc":null,"title":null,"relatedFileInfo":null,"errorHResult":null})
    );
    let keys: Vec<&String> = kept.as_object().unwrap().keys().take(4).collect();
    assert_eq!(keys, ["id", "status", "zeta", "alpha"], "the order as sent");
}

#[test]
fn optional_fields_of_the_wrong_type_read_as_none_and_are_kept_as_sent() {
    let text = r#"{"id":"a","status":"Cancelled","title":42,"errorHResult":"0x80004005",
        "requestSource":{"app":"x"},"commands":"PutFile","relatedFileInfo":7,
        "machineId":["m"],"cancellationComment":true,"scope":1.5}"#;
    let (action, kept) = read(text);
    assert_eq!(action.status, ActionStatus::Cancelled);
    assert_eq!(action.title, None);
    assert_eq!(action.error_h_result, None);
    assert_eq!(action.request_source, None);
    assert_eq!(action.commands, None);
    assert_eq!(action.related_file_info, None);
    assert_eq!(action.machine_id, None);
    assert_eq!(action.cancellation_comment, None);
    assert_eq!(action.scope, None);
    let original: Value = serde_json::from_str(text).unwrap();
    for (key, value) in original.as_object().unwrap() {
        assert_eq!(&kept[key], value, "{key} kept as sent");
    }
}

#[test]
fn command_entries_of_any_type_keep_their_place() {
    let (action, _) = read(
        r#"{"id":"a","status":"Pending","commands":["PutFile",7,{"commandStatus":"Failed","command":{"type":"RunScript"}},null]}"#,
    );
    let commands = action.commands.unwrap();
    assert_eq!(commands.len(), 4);
    assert_eq!(commands[0], Command::Name("PutFile".into()));
    assert_eq!(commands[1], Command::Other);
    assert_eq!(commands[2].command_status(), Some("Failed"));
    assert_eq!(commands[2].command_type(), Some("RunScript"));
    assert_eq!(commands[3], Command::Other);
}

#[test]
fn both_spellings_of_a_field_read_the_canonical_one_and_keep_the_other() {
    let (action, kept) =
        read(r#"{"id":"a","status":"Pending","externalId":"lower","externalID":"upper"}"#);
    assert_eq!(action.external_id.as_deref(), Some("upper"));
    assert_eq!(kept["externalID"], "upper");
    assert_eq!(kept["externalId"], "lower");
}

#[test]
fn hostile_strings_survive_as_text() {
    let hostile = r#"<img src=x onerror=alert(1)>\"\u0000\u2028"#;
    let (action, kept) = read(&format!(
        r#"{{"id":"a","status":"Pending","requestorComment":"{hostile}"}}"#
    ));
    assert_eq!(
        kept["requestorComment"].as_str(),
        action.requestor_comment.as_deref()
    );
    assert!(action.requestor_comment.unwrap().contains('\u{0}'));
}

#[test]
fn a_wrong_typed_field_is_absent_when_read_straight_from_text_too() {
    // Natively the types stay lenient over a streaming deserializer: an
    // array or object where a string belongs is read past, not stopped in.
    for title in ["[1,2]", r#"{"a":"b"}"#, "7", "true", "null"] {
        let text = format!(r#"{{"id":"x","status":"Pending","title":{title},"requestor":"me"}}"#);
        let action: MachineAction = serde_json::from_str(&text).expect(&text);
        assert_eq!(action.title, None, "{text}");
        assert_eq!(action.requestor.as_deref(), Some("me"), "{text}");
    }
}
