//! Requests go out exactly as the API documents them.

use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId};
use mde_machine_actions::{cancel_request, get_request, Method};

fn inputs() -> (BaseUrl, MachineActionId, AccessToken) {
    (
        BaseUrl::parse("https://eu.api.security.microsoft.com/").unwrap(),
        MachineActionId::parse("5382f7ea-7557-4ab7-9782-d50480024a4e").unwrap(),
        AccessToken::parse("eyJ0.eyJ1.sig").unwrap(),
    )
}

#[test]
fn cancel_is_a_post_with_exactly_three_headers_and_the_comment() {
    let (base, id, token) = inputs();
    let comment = Comment::parse("Stuck isolation, cancelled from the SOC portal").unwrap();
    let request = cancel_request(&base, &id, &comment, &token);
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://eu.api.security.microsoft.com/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e/cancel"
    );
    assert_eq!(
        request.headers,
        vec![
            ("authorization", "Bearer eyJ0.eyJ1.sig".to_owned()),
            ("content-type", "application/json".to_owned()),
            ("accept", "application/json".to_owned()),
        ]
    );
    assert_eq!(
        request.body.as_deref(),
        Some(r#"{"Comment":"Stuck isolation, cancelled from the SOC portal"}"#)
    );
}

#[test]
fn the_comment_is_escaped_as_json() {
    let (base, id, token) = inputs();
    let comment = Comment::parse("say \"why\"\\ here\nnext line — ü").unwrap();
    let request = cancel_request(&base, &id, &comment, &token);
    assert_eq!(
        request.body.as_deref(),
        Some(r#"{"Comment":"say \"why\"\\ here\nnext line — ü"}"#)
    );
}

#[test]
fn get_is_a_get_without_body_or_content_type() {
    let (base, id, token) = inputs();
    let request = get_request(&base, &id, &token);
    assert_eq!(request.method, Method::Get);
    assert!(request
        .url
        .ends_with("/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e"));
    assert_eq!(request.header("content-type"), None);
    assert_eq!(
        request.header("authorization"),
        Some("Bearer eyJ0.eyJ1.sig")
    );
    assert_eq!(request.body, None);
}

#[test]
fn a_path_prefix_is_kept() {
    let (_, id, token) = inputs();
    let base = BaseUrl::parse("https://edge.example.com/mde/").unwrap();
    let request = get_request(&base, &id, &token);
    assert_eq!(
        request.url,
        "https://edge.example.com/mde/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e"
    );
}

#[test]
fn debug_output_hides_the_authorization_header() {
    let (base, id, token) = inputs();
    let text = format!("{:?}", get_request(&base, &id, &token));
    assert!(!text.contains("eyJ0"), "{text}");
    assert!(text.contains("[redacted]"));
}

#[test]
fn debug_output_hides_the_whole_body_of_a_form_request() {
    let config = mde_machine_actions::entra::ClientCredentialsConfig::new(
        "contoso.onmicrosoft.com",
        "11111111-0000-4000-8000-00000000c11e",
        "the-client-secret-value",
        mde_machine_actions::entra::Cloud::Commercial,
        None,
        None,
    )
    .unwrap();
    let printed = format!("{:?}", config.token_request());
    assert!(!printed.contains("the-client-secret-value"), "{printed}");
    assert!(
        !printed.contains("client_id="),
        "the body is withheld whole: {printed}"
    );
    assert!(printed.contains("[redacted]"));
}

#[test]
fn a_secret_shorter_than_a_run_is_masked_where_it_stands_whole() {
    let redactor = mde_machine_actions::redact::Redactor::new("abc12");
    assert_eq!(
        redactor.redact("token abc12 echoed").as_deref(),
        Some("token [redacted] echoed")
    );
    assert_eq!(redactor.redact("nothing here"), None);
}
