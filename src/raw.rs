//! A response body as the runtime parsed it, and the typed views read from it.
//!
//! The runtime's own parser does the parsing: in wasm the engine's
//! `JSON.parse`, with serde-wasm-bindgen reading typed views out of the
//! engine's value; natively serde_json. The parsed value itself is kept, so a
//! caller gets everything Defender sent — unknown fields, and optional fields
//! of an unexpected type — while the core decides on the typed view.

use crate::model::{ActionState, ActionType, BodyProblem, CANONICAL_FIELDS, SPELLING_VARIANTS};
use serde::de::DeserializeOwned;

/// A parsed JSON value: the engine's own (a `JsValue`) in wasm,
/// a `serde_json::Value` natively.
#[cfg(target_arch = "wasm32")]
pub type RawJson = wasm_bindgen::JsValue;

/// A parsed JSON value: the engine's own (a `JsValue`) in wasm,
/// a `serde_json::Value` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type RawJson = serde_json::Value;

/// A body's text as it arrived, and its value when the runtime already
/// parsed it (the engine parses its own string without a copy back out of
/// wasm memory). The parsed value is used only when the text needs no
/// redaction.
#[derive(Debug, Clone, Default)]
pub struct BodyText {
    /// The text.
    pub text: String,
    /// `JSON.parse` of the same text, when it parsed.
    pub parsed: Option<RawJson>,
}

impl From<String> for BodyText {
    fn from(text: String) -> Self {
        BodyText { text, parsed: None }
    }
}

/// A response body: parsed JSON, or why it is not JSON.
#[derive(Debug, Clone)]
pub enum Body {
    /// The body parsed as JSON.
    Json(RawJson),
    /// The body is not JSON (empty, cut off, HTML, or other text).
    Unparsable(BodyProblem),
}

impl Body {
    /// Parses a body text with the runtime's JSON parser.
    pub fn from_text(text: &str) -> Body {
        match platform::parse(text) {
            Some(json) => Body::Json(json),
            None => Body::Unparsable(unparsable(text)),
        }
    }

    /// A typed view of the body; `None` when it is not JSON or does not have
    /// the view's shape (views are lenient, so that means "not an object").
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        match self {
            Body::Json(json) => platform::decode(json),
            Body::Unparsable(_) => None,
        }
    }

    /// The body as a MachineAction: the checked state the client decides
    /// on, and the parsed body with the canonical spellings set and absent
    /// canonical fields null.
    pub fn action(self) -> Result<(ActionState, RawJson), BodyProblem> {
        let mut json = match self {
            Body::Json(json) => json,
            Body::Unparsable(problem) => return Err(problem),
        };
        // Only a body that fails the check is asked whether it is an object
        // at all: an answer with a string `id` and `status` is one.
        let state = platform::decode::<ActionState>(&json)
            .ok_or(BodyProblem::NotAnObject)?
            .checked()
            .map_err(|problem| {
                if platform::is_object(&json) {
                    problem
                } else {
                    BodyProblem::NotAnObject
                }
            })?;
        canonicalise(&mut json, &state);
        Ok((state, json))
    }
}

/// The items of the array at `key` of a parsed object; `None` when there is
/// no such array.
pub(crate) fn items(json: &RawJson, key: &str) -> Option<Vec<RawJson>> {
    platform::items(json, key)
}

/// The string at `key` of a parsed object; `None` for anything else. A
/// field read without a serde view of its own (one view costs a deserializer
/// in the module).
pub fn string_field(json: &RawJson, key: &str) -> Option<String> {
    platform::string_field(json, key)
}

/// A typed view of parsed JSON; `None` when it does not have the view's shape.
pub(crate) fn decode<T: DeserializeOwned>(json: &RawJson) -> Option<T> {
    platform::decode(json)
}

/// Sets the canonical shape on a parsed MachineAction: a spelling variant
/// moves to its canonical name when that is absent, every canonical field
/// absent from the body is set to null, and `status`/`type` get their
/// canonical spelling. Everything else stays as sent.
fn canonicalise(json: &mut RawJson, state: &ActionState) {
    let status = state.status.as_str();
    let action_type = state.action_type.as_ref().map(ActionType::as_str);
    platform::canonicalise(json, status, action_type);
}

/// Why a text did not parse. A text whose brackets or last string are still
/// open when it ends was cut off; this scan only counts, it parses nothing.
fn unparsable(text: &str) -> BodyProblem {
    let text = text.trim();
    if text.is_empty() {
        return BodyProblem::Empty;
    }
    if text.starts_with('<') {
        return BodyProblem::Html;
    }
    if !text.starts_with(['{', '[', '"']) {
        return BodyProblem::NotJson;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return BodyProblem::NotJson,
            },
            _ => {}
        }
    }
    if in_string || depth > 0 {
        BodyProblem::Truncated
    } else {
        BodyProblem::NotJson
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    use super::{RawJson, CANONICAL_FIELDS, SPELLING_VARIANTS};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    pub(super) fn parse(text: &str) -> Option<RawJson> {
        serde_json::from_str(text).ok()
    }

    /// Views read objects only: serde_json would also read a struct from an
    /// array, by position (serde-wasm-bindgen reads an array's fields by
    /// name, so all absent, and `Body::action` calls it not an object).
    pub(super) fn decode<T: DeserializeOwned>(json: &RawJson) -> Option<T> {
        json.is_object().then(|| T::deserialize(json).ok())?
    }

    pub(super) fn is_object(json: &RawJson) -> bool {
        json.is_object()
    }

    pub(super) fn items(json: &RawJson, key: &str) -> Option<Vec<RawJson>> {
        json.get(key)?.as_array().cloned()
    }

    pub(super) fn string_field(json: &RawJson, key: &str) -> Option<String> {
        json.get(key)?.as_str().map(str::to_owned)
    }

    /// The canonical shape (see [`super::canonicalise`]): a variant moves to
    /// its canonical name when that is absent; absent canonical fields become
    /// null; `status` and `type`, when strings, take their canonical spelling.
    pub(super) fn canonicalise(json: &mut RawJson, status: &str, action_type: Option<&str>) {
        let Some(object) = json.as_object_mut() else {
            return;
        };
        for (canonical, variant) in SPELLING_VARIANTS {
            if !object.contains_key(canonical) {
                if let Some(value) = object.shift_remove(variant) {
                    object.insert(canonical.to_owned(), value);
                }
            }
        }
        for field in CANONICAL_FIELDS {
            object.entry(field).or_insert(Value::Null);
        }
        for (field, canonical) in [("status", Some(status)), ("type", action_type)] {
            if let (Some(Value::String(sent)), Some(canonical)) = (object.get_mut(field), canonical)
            {
                canonical.clone_into(sent);
            }
        }
    }
}

/// `T` from a JS value with serde-wasm-bindgen; `None` when the value does
/// not have `T`'s shape.
#[cfg(target_arch = "wasm32")]
pub(crate) fn from_js<T: DeserializeOwned>(value: wasm_bindgen::JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(value).ok()
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use super::{RawJson, CANONICAL_FIELDS, SPELLING_VARIANTS};
    use js_sys::{Array, JsString};
    use serde::de::DeserializeOwned;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    // The canonical shape applied by the engine in one call, from the field
    // lists the core defines (made into JS arrays once): crossing into JS once
    // per field costs more than the whole parse.
    #[wasm_bindgen(inline_js = r#"
export function canonicalise(o, fields, variants, status, type) {
  for (let i = 0; i < variants.length; i += 2) {
    if (o[variants[i]] === undefined && o[variants[i + 1]] !== undefined) {
      o[variants[i]] = o[variants[i + 1]];
      delete o[variants[i + 1]];
    }
  }
  for (const f of fields) if (o[f] === undefined) o[f] = null;
  if (typeof o.status === "string") o.status = status;
  if (type !== undefined && typeof o.type === "string") o.type = type;
}
"#)]
    extern "C" {
        #[wasm_bindgen(js_name = canonicalise)]
        fn canonicalise_js(
            o: &JsValue,
            fields: &Array,
            variants: &Array,
            status: &str,
            action_type: Option<String>,
        );
    }

    thread_local! {
        static NAMES: (Array, Array) = (
            CANONICAL_FIELDS.iter().map(|f| JsString::from(*f)).collect(),
            SPELLING_VARIANTS
                .iter()
                .flat_map(|(c, v)| [JsString::from(*c), JsString::from(*v)])
                .collect(),
        );
    }

    pub(super) fn parse(text: &str) -> Option<RawJson> {
        js_sys::JSON::parse(text).ok()
    }

    pub(super) fn decode<T: DeserializeOwned>(json: &RawJson) -> Option<T> {
        super::from_js(json.clone())
    }

    pub(super) fn is_object(json: &RawJson) -> bool {
        json.is_object() && !Array::is_array(json)
    }

    pub(super) fn items(json: &RawJson, key: &str) -> Option<Vec<RawJson>> {
        let value = js_sys::Reflect::get(json, &JsValue::from_str(key)).ok()?;
        let array = value.dyn_ref::<Array>()?;
        Some(array.iter().collect())
    }

    pub(super) fn string_field(json: &RawJson, key: &str) -> Option<String> {
        if !json.is_object() {
            return None;
        }
        js_sys::Reflect::get(json, &JsValue::from_str(key))
            .ok()?
            .as_string()
    }

    /// See the native `canonicalise`: the same rules, applied in one call.
    pub(super) fn canonicalise(json: &mut RawJson, status: &str, action_type: Option<&str>) {
        NAMES.with(|(fields, variants)| {
            canonicalise_js(
                json,
                fields,
                variants,
                status,
                action_type.map(str::to_owned),
            )
        });
    }
}
