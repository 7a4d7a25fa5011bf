//! The model against serde_json's own reading of the same text: whatever
//! `serde_json::Value` makes of a body, the model agrees. A body is accepted
//! exactly when it is an object with a non-empty string `id` and `status`;
//! the typed views hold exactly the string (or whole-number) fields the value
//! holds; the kept body has every field of the value (spelling variants under
//! their canonical name, `status`/`type` respelled) and every canonical field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mde_machine_actions::model::CANONICAL_FIELDS;
use mde_machine_actions::{ActionStatus, ActionType, Body, BodyProblem, MachineAction};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let value = serde_json::from_str::<Value>(&text);
    let result = Body::from_text(&text).action();
    let Ok(value) = value else {
        let problem = result.expect_err("a text serde_json refuses was accepted");
        assert!(
            matches!(
                problem,
                BodyProblem::Empty
                    | BodyProblem::Truncated
                    | BodyProblem::Html
                    | BodyProblem::NotJson
            ),
            "{problem:?} for text that is not JSON"
        );
        return;
    };
    let string = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let acceptable = value.is_object() && string("id").is_some() && string("status").is_some();
    let (state, kept) = match result {
        Ok(read) => read,
        Err(problem) => {
            assert!(!acceptable, "{problem:?} for an acceptable body");
            return;
        }
    };
    assert!(acceptable, "accepted {value}");
    assert_eq!(Some(state.id.as_str()), string("id"));
    assert_eq!(
        state.status,
        ActionStatus::from(string("status").unwrap().to_owned())
    );
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    assert_eq!(state.cancellation_comment, text_of("cancellationComment"));
    assert_eq!(state.action_type, text_of("type").map(ActionType::from));
    assert_eq!(
        state.command_statuses.as_ref().map(Vec::len),
        value
            .get("commands")
            .and_then(Value::as_array)
            .map(Vec::len)
    );

    let object = value.as_object().unwrap();
    for (key, sent) in object {
        let canonical = match key.as_str() {
            "externalId" if !object.contains_key("externalID") => "externalID",
            "lastUpdateTimeUtc" if !object.contains_key("lastUpdateDateTimeUtc") => {
                "lastUpdateDateTimeUtc"
            }
            other => other,
        };
        let kept = &kept[canonical];
        if matches!(key.as_str(), "status" | "type") && sent.is_string() {
            assert!(kept.is_string(), "{key} respelled as a non-string");
        } else {
            assert_eq!(kept, sent, "{key} not kept as sent");
        }
    }
    for field in CANONICAL_FIELDS {
        assert!(kept.get(field).is_some(), "canonical field {field} missing");
    }

    let action = MachineAction::from_json(&kept);
    assert_eq!(action.id, state.id);
    assert_eq!(action.title, text_of("title"));
    assert_eq!(action.machine_id, text_of("machineId"));
    assert_eq!(
        action.error_h_result,
        value.get("errorHResult").and_then(Value::as_i64)
    );
    let external = text_of("externalID").or_else(|| {
        object
            .get("externalID")
            .is_none_or(Value::is_null)
            .then(|| text_of("externalId"))
            .flatten()
    });
    assert_eq!(action.external_id, external);
});
