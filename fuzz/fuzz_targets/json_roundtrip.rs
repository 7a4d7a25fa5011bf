//! The JSON reader and writer agree: whatever parses, written out, parses to
//! the same value and writes the same text again. The same for MachineAction:
//! its canonical JSON reads back to an equal action.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mde_machine_actions::{Json, MachineAction};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(value) = Json::parse(&text) {
        let written = value.to_text();
        let again = Json::parse(&written)
            .unwrap_or_else(|e| panic!("to_text is not JSON ({e}): {written:?}"));
        assert_eq!(again, value, "the value changed through {written:?}");
        assert_eq!(again.to_text(), written, "writing is not canonical");
    }
    if let Ok(action) = MachineAction::parse(&text) {
        let written = action.to_json_text();
        if let Err(e) = Json::parse(&written) {
            panic!("to_json_text is not JSON ({e}): {written:?}");
        }
        let again = MachineAction::parse(&written)
            .unwrap_or_else(|p| panic!("to_json_text does not re-read ({p:?}): {written:?}"));
        assert_eq!(again, action, "the action changed through {written:?}");
        assert_eq!(again.to_json_text(), written, "writing is not canonical");
    }
});
