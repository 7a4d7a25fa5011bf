//! The MachineAction model reads every payload variant seen in the wild and
//! writes one canonical shape without losing anything.

use mde_machine_actions::{
    ActionStatus, ActionType, Command, Json, MachineAction, RelatedFileInfo,
};
use std::fs;

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
        match Json::parse(&text).unwrap().get("value") {
            Some(Json::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    entities.push((format!("{name}[{i}]"), item.to_text()));
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
fn writing_keeps_every_field_of_every_fixture() {
    for (name, text) in all_entities() {
        let original = Json::parse(&text).unwrap();
        let written = Json::parse(&MachineAction::parse(&text).unwrap().to_json_text()).unwrap();
        let Json::Object(members) = original else {
            panic!("{name}")
        };
        for (key, value) in members {
            let canonical = match key.as_str() {
                "externalId" => "externalID",
                "lastUpdateTimeUtc" => "lastUpdateDateTimeUtc",
                other => other,
            };
            let kept = written
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
    let action = MachineAction::parse(&fixture("realworld-sekoia-isolate-201.json")).unwrap();
    assert_eq!(action.status, ActionStatus::Pending);
    assert_eq!(action.external_id, None);
    assert_eq!(action.error_h_result, Some(0));
    assert_eq!(action.commands, Some(vec![]));
    assert_eq!(action.request_source.as_deref(), Some("PublicApi"));
    let extra: Vec<&str> = action.extra.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(extra, ["@odata.context", "troubleshootInfo"]);
}

#[test]
fn live_response_commands_are_records_with_accessors() {
    let list = Json::parse(&fixture(
        "realworld-cloudarchitekt-list-liveresponse-200.json",
    ))
    .unwrap();
    let Some(Json::Array(items)) = list.get("value") else {
        panic!()
    };
    let action = MachineAction::parse(&items[0].to_text()).unwrap();
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
    let action = MachineAction::parse(
        r#"{"id":"a","status":"Canceled","type":"Live Response","externalId":"e","lastUpdateTimeUtc":"t"}"#,
    )
    .unwrap();
    assert_eq!(action.status, ActionStatus::Cancelled);
    assert!(action.status.is_final());
    assert_eq!(action.action_type, Some(ActionType::LiveResponse));
    assert_eq!(action.external_id.as_deref(), Some("e"));
    assert_eq!(action.last_update_date_time_utc.as_deref(), Some("t"));
}

#[test]
fn unknown_enum_values_are_kept() {
    let action = MachineAction::parse(r#"{"id":"a","status":"Queued","type":"Reboot"}"#).unwrap();
    assert_eq!(action.status, ActionStatus::Other("Queued".into()));
    assert_eq!(action.status.as_str(), "Queued");
    assert!(
        action.status.is_final(),
        "only Pending and InProgress can be cancelled"
    );
    assert_eq!(
        action.action_type.as_ref().map(ActionType::as_str),
        Some("Reboot")
    );
    assert!(action.to_json_text().contains(r#""type":"Reboot""#));
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
fn the_canonical_shape_has_every_field_in_order() {
    let text = MachineAction::parse(
        r#"{"id":"a","status":"Pending","zeta":1,"alpha":[true,null,-1.5e3]}"#,
    )
    .unwrap()
    .to_json_text();
    assert_eq!(
        text,
        r#"{"id":"a","type":null,"scope":null,"requestor":null,"externalID":null,"requestSource":null,"commands":null,"cancellationRequestor":null,"requestorComment":null,"cancellationComment":null,"status":"Pending","machineId":null,"computerDnsName":null,"cancellationDateTimeUtc":null,"creationDateTimeUtc":null,"lastUpdateDateTimeUtc":null,"title":null,"relatedFileInfo":null,"errorHResult":null,"zeta":1,"alpha":[true,null,-1.5e3]}"#
    );
}

#[test]
fn hostile_strings_survive_as_text() {
    let hostile = r#"<img src=x onerror=alert(1)>\"\u0000\u2028"#;
    let action = MachineAction::parse(&format!(
        r#"{{"id":"a","status":"Pending","requestorComment":"{hostile}"}}"#
    ))
    .unwrap();
    let again = MachineAction::parse(&action.to_json_text()).unwrap();
    assert_eq!(again.requestor_comment, action.requestor_comment);
    assert!(action.requestor_comment.unwrap().contains('\u{0}'));
}
