//! The simulated sign-in through the whole stack: authorize → code → token with PKCE and
//! each way it fails, tokens checked against the JWKS with `jsonwebtoken` (as a Worker
//! would), key rotation, the mint route's bad tokens, and the TLS port.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::entra::DEFAULT_TENANT as TENANT;
use crate::guard::Access;
use crate::oidc::{DEFAULT_API_AUDIENCE as API, DEFAULT_CLIENT_ID as SPA};
use crate::security_tests::{request, send, PORT, SECRET, TOKEN};
use crate::state::{AppState, SeedKind};

const TLS_PORT: u16 = 4322;
const ISSUER: &str = "https://127.0.0.1:4322/00000000-0000-4000-8000-00000000a11d/v2.0";
const REDIRECT: &str = "http://127.0.0.1:5555/";
const PAGE: &str = "http://127.0.0.1:5555";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-with-some-more-length";

pub(crate) fn state() -> Arc<AppState> {
    let mut st = AppState::new(vec![TOKEN.into()], SeedKind::None, true, vec![]);
    st.access = Access::new(PORT, &[PAGE.to_owned()], SECRET.to_owned()).with_tls_port(TLS_PORT);
    st.oidc_config.issuer_origin = "https://127.0.0.1:4322".into();
    Arc::new(st)
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_query(extra: &[(&str, &str)]) -> String {
    let ch = challenge(VERIFIER);
    let scope = format!("api://{API}/MachineActions.Use openid profile offline_access");
    let mut fields: Vec<(&str, &str)> = vec![
        ("client_id", SPA),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("response_mode", "fragment"),
        ("scope", &scope),
        ("state", "st<1>"),
        ("nonce", "n-123"),
        ("code_challenge", &ch),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        fields.retain(|(n, _)| n != k);
        fields.push((k, v));
    }
    encode(&fields)
}

/// `name=value&…&`, percent-encoded.
fn encode(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        out.push_str(k);
        out.push('=');
        crate::util::percent_encode(&mut out, v);
        out.push('&');
    }
    out
}

/// Signs in as `user` through the page's form → the redirect's `Location`.
async fn sign_in(st: &Arc<AppState>, user: &str, extra: &[(&str, &str)]) -> String {
    let path = format!("/{TENANT}/oauth2/v2.0/authorize");
    let body = format!("{}user={user}", authorize_query(extra));
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", "https://127.0.0.1:4322"),
    ];
    let (resp, _) = send(st, request("POST", &path, &headers, &body)).await;
    assert_eq!(resp.status(), 302);
    resp.headers()["location"].to_str().unwrap().to_owned()
}

fn param(location: &str, name: &str) -> Option<String> {
    let (_, params) = location.split_once(['#', '?'])?;
    let map = crate::entra::parse_form(params.as_bytes());
    map.get(name).cloned()
}

async fn token(st: &Arc<AppState>, form: &[(&str, &str)]) -> (u16, Value) {
    let body = encode(form);
    let path = format!("/{TENANT}/oauth2/v2.0/token");
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", PAGE),
    ];
    let (resp, text) = send(st, request("POST", &path, &headers, &body)).await;
    assert_eq!(resp.headers()["access-control-allow-origin"], PAGE);
    (resp.status().as_u16(), serde_json::from_str(&text).unwrap())
}

fn redeem<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("client_id", SPA),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

pub(crate) async fn jwks(st: &Arc<AppState>) -> Value {
    let path = format!("/{TENANT}/discovery/v2.0/keys");
    let (resp, text) = send(st, request("GET", &path, &[], "")).await;
    assert_eq!(resp.status(), 200);
    serde_json::from_str(&text).unwrap()
}

/// Verifies `token` as a Worker would: RS256 with the JWKS key of its `kid`, `iss`, `aud`,
/// `exp`/`nbf`.
pub(crate) fn verify(jwks: &Value, token: &str, aud: &str) -> Result<Value, String> {
    let header = decode_header(token).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .ok_or("unknown kid")?;
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[aud]);
    v.set_issuer(&[ISSUER]);
    v.validate_nbf = true;
    v.leeway = 0;
    decode::<Value>(token, &key, &v)
        .map(|t| t.claims)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn metadata_and_sign_in_page() {
    let st = state();
    let path = format!("/{TENANT}/v2.0/.well-known/openid-configuration");
    let headers = [("host", "127.0.0.1:4322"), ("origin", PAGE)];
    let (resp, text) = send(&st, request("GET", &path, &headers, "")).await;
    assert_eq!(resp.headers()["access-control-allow-origin"], PAGE);
    let meta: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(meta["issuer"], ISSUER);
    // Over plain http (no TLS extension in-process), on the origin it was asked on.
    let base = format!("http://127.0.0.1:4322/{TENANT}");
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(meta["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
    assert_eq!(meta["jwks_uri"], format!("{base}/discovery/v2.0/keys"));

    let path = format!("/{TENANT}/oauth2/v2.0/authorize?{}", authorize_query(&[]));
    let (resp, html) = send(&st, request("GET", &path, &[], "")).await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:5555;"),
        "{csp}"
    );
    for user in ["operator", "reader", "norole"] {
        assert!(html.contains(&format!("value=\"{user}\"")), "{user}");
    }
    assert!(html.contains("value=\"st&lt;1&gt;\""), "state is escaped");
    assert!(!html.contains("<script"));

    // A Host of another port or name is refused, the TLS port's is not.
    for (host, status) in [
        ("127.0.0.1:4322", 200),
        ("localhost:4322", 200),
        ("evil.example:4322", 421),
    ] {
        let (resp, _) = send(&st, request("GET", &path, &[("host", host)], "")).await;
        assert_eq!(resp.status(), status, "{host}");
    }
}

#[tokio::test]
async fn code_with_pkce_gives_verifiable_tokens() {
    let st = state();
    let location = sign_in(&st, "operator", &[]).await;
    assert!(
        location.starts_with("http://127.0.0.1:5555/#code="),
        "{location}"
    );
    assert_eq!(param(&location, "state").as_deref(), Some("st<1>"));
    let code = param(&location, "code").unwrap();
    let info = param(&location, "client_info").unwrap();
    let info: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(info).unwrap()).unwrap();
    assert_eq!(
        info,
        json!({"uid": "0a11ce00-0000-4000-8000-00000000a001", "utid": TENANT})
    );

    let (status, body) = token(&st, &redeem(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], format!("api://{API}/MachineActions.Use"));
    assert_eq!(body["expires_in"], 3599);
    let keys = jwks(&st).await;
    let at = verify(&keys, body["access_token"].as_str().unwrap(), API).unwrap();
    assert_eq!(
        at["roles"],
        json!(["MachineActions.Read", "MachineActions.Cancel"])
    );
    assert_eq!(at["preferred_username"], "operator@contoso.example");
    assert_eq!(at["scp"], "MachineActions.Use");
    assert_eq!(
        (at["tid"].as_str(), at["ver"].as_str()),
        (Some(TENANT), Some("2.0"))
    );
    assert_eq!(
        at["exp"].as_u64().unwrap() - at["iat"].as_u64().unwrap(),
        3600
    );
    let header = decode_header(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(
        (header.alg, header.typ.as_deref()),
        (Algorithm::RS256, Some("JWT"))
    );
    let id = verify(&keys, body["id_token"].as_str().unwrap(), SPA).unwrap();
    assert_eq!(id["nonce"], "n-123");
    assert_eq!(id["oid"], at["oid"]);
    assert_ne!(id["sub"], at["sub"], "sub is pairwise per audience");

    // The refresh token gets another access token; a reader gets only Read; no role none.
    let rt = body["refresh_token"].as_str().unwrap();
    let scope = format!("api://{API}/MachineActions.Use openid offline_access");
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", SPA),
        ("refresh_token", rt),
        ("scope", &scope),
    ];
    let (status, body) = token(&st, &refresh).await;
    assert_eq!(status, 200, "{body}");
    assert!(verify(&keys, body["access_token"].as_str().unwrap(), API).is_ok());
    for (user, roles) in [
        ("reader", json!(["MachineActions.Read"])),
        ("norole", Value::Null),
    ] {
        let code = param(
            &sign_in(&st, user, &[("response_mode", "query")]).await,
            "code",
        )
        .unwrap();
        let (_, body) = token(&st, &redeem(&code, VERIFIER)).await;
        let at = verify(&keys, body["access_token"].as_str().unwrap(), API).unwrap();
        assert_eq!(at["roles"], roles, "{user}");
    }
}

#[tokio::test]
async fn each_bad_redemption_is_refused() {
    let st = state();
    let code = param(&sign_in(&st, "operator", &[]).await, "code").unwrap();
    let other = "another-verifier-of-enough-length-0123456789-abcdefgh";
    let (status, body) = token(&st, &redeem(&code, other)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_codes"], json!([501481]));
    for key in [
        "error_description",
        "timestamp",
        "trace_id",
        "correlation_id",
    ] {
        assert!(body[key].is_string(), "{key}");
    }
    // The failed attempt used the code up.
    let (_, body) = token(&st, &redeem(&code, VERIFIER)).await;
    assert_eq!(body["error_codes"], json!([54005]));

    let code = param(&sign_in(&st, "operator", &[]).await, "code").unwrap();
    assert_eq!(token(&st, &redeem(&code, VERIFIER)).await.0, 200);
    let (_, body) = token(&st, &redeem(&code, VERIFIER)).await;
    assert_eq!(body["error_codes"], json!([54005]), "reused");

    let code = param(&sign_in(&st, "operator", &[]).await, "code").unwrap();
    crate::oidc_token::expire_codes(&st);
    let (_, body) = token(&st, &redeem(&code, VERIFIER)).await;
    assert_eq!(body["error_codes"], json!([70008]), "expired");

    let code = param(&sign_in(&st, "operator", &[]).await, "code").unwrap();
    let mut form = redeem(&code, VERIFIER);
    form[3] = ("redirect_uri", "http://127.0.0.1:5555/other");
    let (_, body) = token(&st, &form).await;
    assert_eq!(
        (body["error"].as_str(), &body["error_codes"]),
        (Some("invalid_grant"), &json!([70000]))
    );

    let code = param(&sign_in(&st, "operator", &[]).await, "code").unwrap();
    let mut form = redeem(&code, VERIFIER);
    form[1] = ("client_id", "99999999-0000-4000-8000-000000000000");
    let (status, body) = token(&st, &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let (_, body) = token(&st, &redeem("sim-code-nonsense", VERIFIER)).await;
    assert_eq!(body["error_codes"], json!([9002313]));
    let (_, body) = token(&st, &redeem(&code, "short")).await;
    assert_eq!(body["error_codes"], json!([501491]));

    // The client-credentials flow on the same path is untouched.
    let cc = [
        ("grant_type", "client_credentials"),
        ("client_id", crate::entra::DEFAULT_CLIENT_ID),
        ("client_secret", crate::entra::DEFAULT_CLIENT_SECRET),
        ("scope", crate::entra::ACCEPTED_SCOPES[0]),
    ];
    let (status, body) = token(&st, &cc).await;
    assert_eq!(status, 200);
    assert!(body["access_token"]
        .as_str()
        .unwrap()
        .starts_with("sim-at-"));
}

#[tokio::test]
async fn bad_authorization_requests() {
    let st = state();
    let get = |q: String| {
        request(
            "GET",
            &format!("/{TENANT}/oauth2/v2.0/authorize?{q}"),
            &[],
            "",
        )
    };
    // Client and redirect URI errors are pages: nothing goes to an unverified URI.
    for (extra, code) in [
        (("client_id", "nope"), "AADSTS700016"),
        (("redirect_uri", "https://evil.example/cb"), "AADSTS50011"),
        (("redirect_uri", "http://127.0.0.1:5555/#x"), "AADSTS50011"),
    ] {
        let (resp, html) = send(&st, get(authorize_query(&[extra]))).await;
        assert_eq!(resp.status(), 400, "{extra:?}");
        assert!(html.contains(code), "{html}");
        assert!(resp.headers().get("location").is_none());
    }
    for (extra, error) in [
        (("code_challenge", ""), "invalid_request"),
        (("code_challenge_method", "plain"), "invalid_request"),
        (("response_type", "token"), "unsupported_response_type"),
        (("scope", "api://other-api/x"), "invalid_resource"),
        (("prompt", "none"), "login_required"),
    ] {
        let (resp, _) = send(&st, get(authorize_query(&[extra]))).await;
        assert_eq!(resp.status(), 302, "{extra:?}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert_eq!(
            param(location, "error").as_deref(),
            Some(error),
            "{location}"
        );
        assert_eq!(param(location, "state").as_deref(), Some("st<1>"));
    }
    // An unknown user, and a POST from a foreign origin.
    let path = format!("/{TENANT}/oauth2/v2.0/authorize");
    for (header, user, status) in [
        (
            ("content-type", "application/x-www-form-urlencoded"),
            "root",
            400,
        ),
        (("origin", "https://evil.example"), "operator", 403),
    ] {
        let body = format!("{}user={user}", authorize_query(&[]));
        let (resp, _) = send(&st, request("POST", &path, &[header], &body)).await;
        assert_eq!(resp.status(), status, "{user}");
    }
    let (resp, text) = send(
        &st,
        request("GET", "/other-tenant/discovery/v2.0/keys", &[], ""),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(text.contains("AADSTS90002"));
}
