//! Building the API's requests from validated inputs.

use crate::http::{HttpRequest, Method};
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId};
use crate::json::write_string;

const JSON: &str = "application/json";

/// `POST {base}/api/machineactions/{id}/cancel` with `{"Comment": "…"}`.
///
/// Carries exactly `Authorization: Bearer …`, `Content-Type` and `Accept`.
pub fn cancel_request(
    base: &BaseUrl,
    id: &MachineActionId,
    comment: &Comment,
    token: &AccessToken,
) -> HttpRequest {
    let mut url = action_url(base, id);
    url.push_str("/cancel");
    HttpRequest {
        method: Method::Post,
        url,
        headers: vec![
            ("authorization", bearer(token)),
            ("content-type", JSON.to_owned()),
            ("accept", JSON.to_owned()),
        ],
        body: Some(cancel_body(comment)),
    }
}

/// `GET {base}/api/machineactions/{id}`.
pub fn get_request(base: &BaseUrl, id: &MachineActionId, token: &AccessToken) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: action_url(base, id),
        headers: vec![
            ("authorization", bearer(token)),
            ("accept", JSON.to_owned()),
        ],
        body: None,
    }
}

fn action_url(base: &BaseUrl, id: &MachineActionId) -> String {
    const PATH: &str = "/api/machineactions/";
    let mut url = String::with_capacity(base.as_str().len() + PATH.len() + 44);
    url.push_str(base.as_str());
    url.push_str(PATH);
    url.push_str(id.as_str());
    url
}

fn bearer(token: &AccessToken) -> String {
    let mut value = String::with_capacity(7 + token.secret().len());
    value.push_str("Bearer ");
    value.push_str(token.secret());
    value
}

/// `{"Comment":"…"}`: the key is case-sensitive, a wrong case is a 400.
fn cancel_body(comment: &Comment) -> String {
    let mut body = String::with_capacity(comment.as_str().len() + 16);
    body.push_str("{\"Comment\":");
    write_string(&mut body, comment.as_str());
    body.push('}');
    body
}
