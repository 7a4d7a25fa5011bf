//! Client-credentials token requests and Entra ID's answers.
// Native: bodies are parsed with serde_json here (the engine parses them in wasm).
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::entra::{
    interpret_token_response, ClientCredentialsConfig, ClientSecret, Cloud,
};
use mde_machine_actions::{ErrorKind, HttpResponse, Method};

const TENANT: &str = "00000000-0000-4000-8000-00000000a11d";
const CLIENT: &str = "11111111-0000-4000-8000-00000000c11e";
const SECRET: &str = "s3cr3t~value+/=&";

fn config(cloud: Cloud) -> ClientCredentialsConfig {
    ClientCredentialsConfig::new(TENANT, CLIENT, SECRET, cloud, None, None).unwrap()
}

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.to_owned(),
        ..HttpResponse::default()
    }
}

#[test]
fn the_request_is_a_form_post_to_the_clouds_authority() {
    let request = config(Cloud::Commercial).token_request();
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.body.as_deref(),
        Some(format!(
            "grant_type=client_credentials&client_id={CLIENT}&client_secret=s3cr3t~value%2B%2F%3D%26&scope=https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default"
        ).as_str())
    );
}

#[test]
fn each_cloud_has_its_authority_and_audience() {
    assert_eq!(
        Cloud::parse("commercial").unwrap().scope(),
        "https://api.securitycenter.microsoft.com/.default"
    );
    assert_eq!(
        Cloud::parse("gcc").unwrap().scope(),
        "https://api-gcc.securitycenter.microsoft.us/.default"
    );
    assert_eq!(
        Cloud::parse("gcc").unwrap().authority(),
        "https://login.microsoftonline.com"
    );
    for name in ["gcc-high", "dod"] {
        let cloud = Cloud::parse(name).unwrap();
        assert_eq!(cloud.authority(), "https://login.microsoftonline.us");
        assert_eq!(
            cloud.scope(),
            "https://api-gov.securitycenter.microsoft.us/.default"
        );
    }
    assert!(Cloud::parse("eu").is_err());
    let request = config(Cloud::GccHigh).token_request();
    assert!(request.url.starts_with("https://login.microsoftonline.us/"));
}

#[test]
fn an_authority_override_follows_base_url_rules() {
    let local = ClientCredentialsConfig::new(
        TENANT,
        CLIENT,
        SECRET,
        Cloud::Commercial,
        Some("http://127.0.0.1:8080/"),
        None,
    )
    .unwrap();
    assert!(local
        .token_request()
        .url
        .starts_with("http://127.0.0.1:8080/"));
    assert!(ClientCredentialsConfig::new(
        TENANT,
        CLIENT,
        SECRET,
        Cloud::Commercial,
        Some("http://login.example.com"),
        None
    )
    .is_err());
}

#[test]
fn bad_parts_are_refused_without_quoting_the_secret() {
    assert!(ClientCredentialsConfig::new(
        "contoso.onmicrosoft.com",
        CLIENT,
        SECRET,
        Cloud::Commercial,
        None,
        None
    )
    .is_ok());
    for (tenant, client, secret) in [
        ("", CLIENT, SECRET),
        ("not a tenant", CLIENT, SECRET),
        (TENANT, "app", SECRET),
        (TENANT, CLIENT, ""),
        (TENANT, CLIENT, "line\nbreak"),
    ] {
        let error =
            ClientCredentialsConfig::new(tenant, client, secret, Cloud::Commercial, None, None)
                .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(secret.len() < 4 || !error.message().contains(secret));
    }
    assert_eq!(
        format!("{:?}", ClientSecret::parse(SECRET).unwrap()),
        "ClientSecret([redacted])"
    );
    assert!(!format!("{:?}", config(Cloud::Commercial)).contains(SECRET));
}

#[test]
fn a_token_answer_gives_the_token_and_its_expiry() {
    let secret = ClientSecret::parse(SECRET).unwrap();
    let token = interpret_token_response(
        response(200, r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0.eyJ1.sig"}"#),
        1_000,
        &secret,
    )
    .unwrap();
    assert_eq!(token.access_token.secret(), "eyJ0.eyJ1.sig");
    assert_eq!(token.expires_at_ms, 1_000 + 3_599_000);
    let quoted = interpret_token_response(
        response(200, r#"{"expires_in":"60","access_token":"t"}"#),
        0,
        &secret,
    )
    .unwrap();
    assert_eq!(quoted.expires_at_ms, 60_000);
    let missing = interpret_token_response(response(200, r#"{"token_type":"Bearer"}"#), 0, &secret)
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidResponse);
}

#[test]
fn entra_refusals_are_unauthorized_with_advice_and_no_secret() {
    let secret = ClientSecret::parse(SECRET).unwrap();
    for (status, code, error, says) in [
        (401, 7000215, "invalid_client", "client secret is wrong"),
        (401, 7000222, "invalid_client", "expired"),
        (400, 700016, "unauthorized_client", "client id"),
        (400, 90002, "invalid_request", "tenant was not found"),
        (400, 500011, "invalid_resource", "scope"),
        (400, 65001, "invalid_grant", "consent"),
    ] {
        let body = format!(
            r#"{{"error":"{error}","error_description":"AADSTS{code}: something about {SECRET}.\r\nTrace ID: x","error_codes":[{code}],"trace_id":"t-1","correlation_id":"c-1"}}"#
        );
        let e = interpret_token_response(response(status, &body), 0, &secret).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthorized, "{code}");
        assert_eq!(e.status_code(), Some(status));
        assert_eq!(e.error_code(), Some(format!("AADSTS{code}").as_str()));
        assert_eq!(e.correlation_id(), Some("c-1"));
        assert!(e.message().contains(says), "{code}: {}", e.message());
        assert!(!e.message().contains(SECRET), "{code}: the secret leaked");
    }
    let down =
        interpret_token_response(response(503, "<html>down</html>"), 0, &secret).unwrap_err();
    assert_eq!(down.kind(), ErrorKind::Server);
}

#[test]
fn the_audience_follows_the_cloud_of_the_base_url() {
    use mde_machine_actions::entra::Cloud;
    use mde_machine_actions::input::BaseUrl;
    let audience =
        |url: &str| Cloud::of_base_url(&BaseUrl::parse(url).unwrap()).map(Cloud::audience);
    let commercial = Some("https://api.securitycenter.microsoft.com");
    assert_eq!(audience("https://api.security.microsoft.com"), commercial);
    assert_eq!(
        audience("https://eu.api.security.microsoft.com"),
        commercial
    );
    assert_eq!(
        audience("https://api-eu.securitycenter.microsoft.com"),
        commercial
    );
    assert_eq!(
        audience("https://api-gcc.securitycenter.microsoft.us"),
        Some("https://api-gcc.securitycenter.microsoft.us")
    );
    assert_eq!(
        audience("https://api-gov.securitycenter.microsoft.us"),
        Some("https://api-gov.securitycenter.microsoft.us")
    );
    assert_eq!(audience("http://127.0.0.1:8080"), None);
    assert_eq!(audience("https://mde-proxy.example.workers.dev"), None);
    assert_eq!(
        audience("https://api.security.microsoft.com.evil.example"),
        None
    );
}
