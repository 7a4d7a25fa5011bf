//! For a proxy that signs analysts in (the edge build): `requiredRole` and
//! `attributeComment`, the core's rules in [`crate::access`] and
//! [`crate::input::Comment::attributed`], so the Worker decides neither.

use super::js_error::error_to_js;
use super::options::{argument, comment, string};
use crate::error::Error;
use crate::response::Operation;
use wasm_bindgen::prelude::*;

/// `requiredRole(endpoint)`: the app role a request to `endpoint` (`cancel`,
/// `get`, `list` or `machines`) needs.
#[wasm_bindgen(js_name = requiredRole, skip_typescript)]
pub fn required_role(endpoint: &str) -> Result<String, JsValue> {
    Operation::parse(endpoint)
        .map(|op| crate::access::required_role(op).to_owned())
        .ok_or_else(|| {
            error_to_js(Error::invalid_input(
                "endpoint must be \"cancel\", \"get\", \"list\" or \"machines\".",
            ))
        })
}

/// `attributeComment(person, comment)`: `[person] comment`, within the
/// comment limit; `invalid_input` for a bad comment or name.
#[wasm_bindgen(js_name = attributeComment, skip_typescript)]
pub fn attribute_comment(person: JsValue, text: JsValue) -> Result<String, JsValue> {
    let run = || {
        let person = string(&person, "person must be a string.")?;
        comment(argument(text))?
            .attributed(&person)
            .map(|c| c.as_str().to_owned())
    };
    run().map_err(error_to_js)
}
