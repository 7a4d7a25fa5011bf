//! The sign-in's keys through the whole stack: rotation, the mint route's bad tokens
//! (each refused by `jsonwebtoken` for its own reason), and the TLS port.

use std::sync::Arc;

use jsonwebtoken::decode_header;
use serde_json::{json, Value};

use crate::entra::DEFAULT_TENANT as TENANT;
use crate::guard::{Access, SECRET_HEADER};
use crate::oidc::DEFAULT_API_AUDIENCE as API;
use crate::oidc_tests::{jwks, state, verify};
use crate::security_tests::{request, send, PORT, SECRET, TOKEN};
use crate::state::{AppState, SeedKind};

async fn control(st: &Arc<AppState>, path: &str, body: Value) -> Value {
    let headers = [
        (SECRET_HEADER, SECRET),
        ("content-type", "application/json"),
    ];
    let (resp, text) = send(st, request("POST", path, &headers, &body.to_string())).await;
    assert_eq!(resp.status(), 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn rotation_changes_the_kid() {
    let st = state();
    let before = jwks(&st).await;
    let old_kid = before["keys"][0]["kid"].as_str().unwrap().to_owned();
    let old_token = control(&st, "/_sim/oidc/token", json!({"user": "operator"})).await;
    let rotated = control(&st, "/_sim/oidc/rotate", json!({})).await;
    assert_ne!(rotated["kid"], old_kid.as_str());
    let after = jwks(&st).await;
    assert_eq!(after["keys"][0]["kid"], rotated["kid"]);
    assert_eq!(
        after["keys"][1]["kid"],
        old_kid.as_str(),
        "the old key stays published"
    );
    let new_token = control(&st, "/_sim/oidc/token", json!({"user": "operator"})).await;
    let new_token = new_token["access_token"].as_str().unwrap();
    assert_eq!(
        decode_header(new_token).unwrap().kid,
        rotated["kid"].as_str().map(str::to_owned)
    );
    assert!(verify(&before, new_token, API)
        .unwrap_err()
        .contains("unknown kid"));
    assert!(verify(&after, new_token, API).is_ok());
    assert!(verify(&after, old_token["access_token"].as_str().unwrap(), API).is_ok());
    control(&st, "/_sim/oidc/rotate", json!({"keep_previous": false})).await;
    assert_eq!(jwks(&st).await["keys"].as_array().unwrap().len(), 1);
    // A reset keeps the keys.
    let kid = jwks(&st).await["keys"][0]["kid"].clone();
    control(&st, "/_sim/reset", json!({})).await;
    assert_eq!(jwks(&st).await["keys"][0]["kid"], kid);
}

#[tokio::test]
async fn minted_tokens_fail_each_in_their_way() {
    let st = state();
    let keys = jwks(&st).await;
    let mint = |body: Value| {
        let st = st.clone();
        async move {
            control(&st, "/_sim/oidc/token", body).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let good = mint(json!({"user": "reader"})).await;
    let claims = verify(&keys, &good, API).unwrap();
    assert_eq!(claims["roles"], json!(["MachineActions.Read"]));
    let expect = |token: &str, wanted: &str| {
        let err = verify(&keys, token, API).unwrap_err();
        assert!(err.contains(wanted), "{wanted}: {err}");
    };
    expect(
        &mint(json!({"user": "operator", "aud": "api://someone-else"})).await,
        "InvalidAudience",
    );
    expect(
        &mint(json!({"user": "operator", "iss": "https://login.microsoftonline.com/x/v2.0"})).await,
        "InvalidIssuer",
    );
    expect(
        &mint(json!({"user": "operator", "exp_offset_secs": -600})).await,
        "ExpiredSignature",
    );
    expect(
        &mint(json!({"user": "operator", "nbf_offset_secs": 600})).await,
        "ImmatureSignature",
    );
    expect(
        &mint(json!({"user": "operator", "foreign_key": true})).await,
        "InvalidSignature",
    );
    expect(
        &mint(json!({"user": "operator", "tamper": true})).await,
        "InvalidSignature",
    );
    let none = mint(json!({"user": "operator", "alg": "none"})).await;
    assert!(none.ends_with('.'));
    assert!(verify(&keys, &none, API).is_err());
    let tid = mint(json!({"user": "operator", "tid": "other-tenant"})).await;
    assert_eq!(verify(&keys, &tid, API).unwrap()["tid"], "other-tenant");
    let no_roles = mint(json!({"user": "operator", "roles": []})).await;
    assert!(verify(&keys, &no_roles, API)
        .unwrap()
        .get("roles")
        .is_none());
    for bad in [
        json!({}),
        json!({"user": "root"}),
        json!({"user": "operator", "alg": "HS256"}),
        json!({"user": "operator", "alg": "none", "tamper": true}),
        json!({"user": "operator", "extra": 1}),
        json!({"user": "operator", "exp_offset_secs": i64::MAX}),
    ] {
        let headers = [
            (SECRET_HEADER, SECRET),
            ("content-type", "application/json"),
        ];
        let (resp, _) = send(
            &st,
            request("POST", "/_sim/oidc/token", &headers, &bad.to_string()),
        )
        .await;
        assert_eq!(resp.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn the_tls_port_serves_with_the_generated_certificate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};

    let tls = crate::tls::generate().unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut st = AppState::new(vec![TOKEN.into()], SeedKind::None, true, vec![]);
    st.access = Access::new(PORT, &[], SECRET.to_owned()).with_tls_port(port);
    st.oidc_config.issuer_origin = format!("https://127.0.0.1:{port}");
    let app = crate::app::router(Arc::new(st));
    tokio::spawn(crate::server::serve(
        listener,
        app,
        Some(tls.acceptor.clone()),
    ));

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(tls.cert_der.clone()))
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    for name in ["127.0.0.1", "localhost"] {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let server_name = ServerName::try_from(name.to_owned()).unwrap();
        let mut tls_stream = connector.connect(server_name, tcp).await.unwrap();
        let req = format!(
            "GET /{TENANT}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: {name}:{port}\r\nConnection: close\r\n\r\n"
        );
        tls_stream.write_all(req.as_bytes()).await.unwrap();
        let mut text = String::new();
        tls_stream
            .read_to_string(&mut text)
            .await
            .unwrap_or_default();
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        let want = format!(
            "\"authorization_endpoint\":\"https://{name}:{port}/{TENANT}/oauth2/v2.0/authorize\""
        );
        assert!(text.contains(&want), "{text}");
        assert!(text.contains(&format!(
            "\"issuer\":\"https://127.0.0.1:{port}/{TENANT}/v2.0\""
        )));
    }
    assert!(tls.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(tls.cert_sha256.len(), 95);
}
