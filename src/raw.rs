//! A response body as the runtime parsed it, and the typed views read from it.
//!
//! The runtime's own parser does the parsing: in wasm the engine's
//! `JSON.parse`, with serde-wasm-bindgen reading typed views out of the
//! engine's value; natively serde_json. The parsed value itself is kept, so a
//! caller gets everything Defender sent — unknown fields, and optional fields
//! of an unexpected type — while the core decides on the typed view.

use crate::model::{ActionState, BodyProblem, CANONICAL_FIELDS, SPELLING_VARIANTS};
use serde::de::DeserializeOwned;

/// A parsed JSON value: the engine's own (a `JsValue`) in wasm,
/// a `serde_json::Value` natively.
#[cfg(target_arch = "wasm32")]
pub type RawJson = wasm_bindgen::JsValue;

/// A parsed JSON value: the engine's own (a `JsValue`) in wasm,
/// a `serde_json::Value` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type RawJson = serde_json::Value;

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

    /// A body the runtime's parser refused: why it is not JSON.
    pub fn unparsable(text: &str) -> Body {
        Body::Unparsable(unparsable(text))
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
        let state = platform::decode::<ActionState>(&json)
            .filter(|_| platform::is_object(&json))
            .ok_or(BodyProblem::NotAnObject)?
            .checked()?;
        canonicalise(&mut json, &state);
        Ok((state, json))
    }
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
    for (canonical, variant) in SPELLING_VARIANTS {
        if !platform::has(json, canonical) && platform::has(json, variant) {
            platform::rename(json, variant, canonical);
        }
    }
    for field in CANONICAL_FIELDS {
        if !platform::has(json, field) {
            platform::set_null(json, field);
        }
    }
    for (field, canonical) in state.respellings() {
        if platform::string(json, field).is_some_and(|sent| sent != canonical) {
            platform::set_string(json, field, canonical);
        }
    }
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
    use super::RawJson;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    pub(super) fn parse(text: &str) -> Option<RawJson> {
        serde_json::from_str(text).ok()
    }

    pub(super) fn decode<T: DeserializeOwned>(json: &RawJson) -> Option<T> {
        T::deserialize(json).ok()
    }

    pub(super) fn is_object(json: &RawJson) -> bool {
        json.is_object()
    }

    pub(super) fn has(json: &RawJson, key: &str) -> bool {
        json.get(key).is_some()
    }

    pub(super) fn string<'a>(json: &'a RawJson, key: &str) -> Option<&'a str> {
        json.get(key)?.as_str()
    }

    pub(super) fn set_null(json: &mut RawJson, key: &str) {
        set(json, key, Value::Null);
    }

    pub(super) fn set_string(json: &mut RawJson, key: &str, value: &str) {
        set(json, key, Value::String(value.to_owned()));
    }

    pub(super) fn rename(json: &mut RawJson, from: &str, to: &str) {
        if let Some(object) = json.as_object_mut() {
            if let Some(value) = object.shift_remove(from) {
                object.insert(to.to_owned(), value);
            }
        }
    }

    fn set(json: &mut RawJson, key: &str, value: Value) {
        if let Some(object) = json.as_object_mut() {
            object.insert(key.to_owned(), value);
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
    use super::RawJson;
    use js_sys::Reflect;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsValue;

    pub(super) fn parse(text: &str) -> Option<RawJson> {
        js_sys::JSON::parse(text).ok()
    }

    pub(super) fn decode<T: DeserializeOwned>(json: &RawJson) -> Option<T> {
        super::from_js(json.clone())
    }

    pub(super) fn is_object(json: &RawJson) -> bool {
        json.is_object() && !js_sys::Array::is_array(json)
    }

    fn get(json: &RawJson, key: &str) -> JsValue {
        Reflect::get(json, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    pub(super) fn has(json: &RawJson, key: &str) -> bool {
        !get(json, key).is_undefined()
    }

    pub(super) fn string(json: &RawJson, key: &str) -> Option<String> {
        get(json, key).as_string()
    }

    pub(super) fn set_null(json: &mut RawJson, key: &str) {
        let _ = Reflect::set(json, &JsValue::from_str(key), &JsValue::NULL);
    }

    pub(super) fn set_string(json: &mut RawJson, key: &str, value: &str) {
        let _ = Reflect::set(json, &JsValue::from_str(key), &JsValue::from_str(value));
    }

    pub(super) fn rename(json: &mut RawJson, from: &str, to: &str) {
        let value = get(json, from);
        let _ = Reflect::set(json, &JsValue::from_str(to), &value);
        let _ = Reflect::delete_property(
            json.unchecked_ref::<js_sys::Object>(),
            &JsValue::from_str(from),
        );
    }

    use wasm_bindgen::JsCast;
}
