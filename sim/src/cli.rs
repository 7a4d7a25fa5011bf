//! The command line (the README lists every flag).

use std::path::PathBuf;

use crate::state::{self, SeedKind, StaticMount};
use crate::{entra, guard, oidc, quota};

pub const USAGE: &str = "usage: mde-sim [--port N] [--token T]... [--seed default|demo|none] \
[--static PREFIX=DIR]... [--allow-origin ORIGIN]... [--exit-on-stdin-eof] [--max-lifetime-secs N] [--quiet] [--banner] [--entra-tenant T] \
[--entra-client-id C] [--entra-client-secret S] [--token-lifetime-secs N] [--quota off|CALLS/WINDOW_MS,...] \
[--tls-port N] [--tls-cert-out PATH] [--oidc-client-id C] [--oidc-api-audience A] [--oidc-redirect-uri URI]...";

#[derive(Debug)]
pub struct Options {
    pub port: u16,
    pub tokens: Vec<String>,
    pub seed: SeedKind,
    pub statics: Vec<StaticMount>,
    /// Origins besides its own that may read answers (a test page on another port).
    pub allow_origins: Vec<String>,
    pub exit_on_stdin_eof: bool,
    pub max_lifetime_secs: Option<u64>,
    pub quiet: bool,
    pub banner: bool,
    pub entra: entra::EntraConfig,
    pub quota: Vec<quota::Limit>,
    /// Also serve over TLS on this port (0 = ephemeral).
    pub tls_port: Option<u16>,
    /// Where to write the TLS certificate (PEM).
    pub tls_cert_out: Option<PathBuf>,
    pub oidc: oidc::OidcConfig,
}

pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        port: 0,
        tokens: Vec::new(),
        seed: SeedKind::Default,
        statics: Vec::new(),
        allow_origins: Vec::new(),
        exit_on_stdin_eof: false,
        max_lifetime_secs: None,
        quiet: false,
        banner: false,
        entra: entra::EntraConfig::default(),
        quota: quota::DEFENDER.to_vec(),
        tls_port: None,
        tls_cert_out: None,
        oidc: oidc::OidcConfig::default(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                o.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be 0..=65535".to_owned())?
            }
            "--quota" => o.quota = quota::parse_limits(&value("--quota")?)?,
            "--token" => {
                let t = value("--token")?;
                if t.is_empty() || t.contains(char::is_whitespace) {
                    return Err("--token must be non-empty and without spaces".into());
                }
                o.tokens.push(t);
            }
            "--seed" => {
                let name = value("--seed")?;
                o.seed = SeedKind::parse(&name)
                    .ok_or_else(|| format!("--seed must be {}, not {name:?}", SeedKind::NAMES))?
            }
            "--static" => o.statics.push(parse_static(&value("--static")?)?),
            "--allow-origin" => o
                .allow_origins
                .push(guard::parse_origin(&value("--allow-origin")?)?),
            "--max-lifetime-secs" => {
                o.max_lifetime_secs = Some(
                    value("--max-lifetime-secs")?
                        .parse()
                        .map_err(|_| "--max-lifetime-secs must be a number".to_owned())?,
                )
            }
            "--entra-tenant" => {
                o.entra.tenant = non_blank("--entra-tenant", value("--entra-tenant")?)?
            }
            "--entra-client-id" => {
                o.entra.client_id = non_blank("--entra-client-id", value("--entra-client-id")?)?
            }
            "--entra-client-secret" => {
                o.entra.client_secret =
                    non_blank("--entra-client-secret", value("--entra-client-secret")?)?
            }
            "--token-lifetime-secs" => {
                o.entra.token_lifetime_secs = value("--token-lifetime-secs")?
                    .parse()
                    .ok()
                    .filter(|n| *n <= 31 * 24 * 3600)
                    .ok_or_else(|| "--token-lifetime-secs must be 0..=2678400".to_owned())?
            }
            "--tls-port" => {
                o.tls_port = Some(
                    value("--tls-port")?
                        .parse()
                        .map_err(|_| "--tls-port must be 0..=65535".to_owned())?,
                )
            }
            "--tls-cert-out" => o.tls_cert_out = Some(PathBuf::from(value("--tls-cert-out")?)),
            "--oidc-client-id" => {
                o.oidc.client_id = non_blank("--oidc-client-id", value("--oidc-client-id")?)?
            }
            "--oidc-api-audience" => {
                o.oidc.api_audience =
                    non_blank("--oidc-api-audience", value("--oidc-api-audience")?)?
            }
            "--oidc-redirect-uri" => o
                .oidc
                .redirect_uris
                .push(oidc::parse_redirect_uri(&value("--oidc-redirect-uri")?)?),
            "--exit-on-stdin-eof" if inline.is_none() => o.exit_on_stdin_eof = true,
            "--quiet" if inline.is_none() => o.quiet = true,
            "--banner" if inline.is_none() => o.banner = true,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if o.tokens.is_empty() {
        o.tokens.push(state::DEFAULT_TOKEN.into());
    }
    if o.tls_cert_out.is_some() && o.tls_port.is_none() {
        return Err("--tls-cert-out needs --tls-port".into());
    }
    Ok(o)
}

/// A flag value that must be non-empty and without whitespace (it is never echoed).
fn non_blank(flag: &str, v: String) -> Result<String, String> {
    if v.is_empty() || v.contains(char::is_whitespace) {
        return Err(format!("{flag} must be non-empty and without spaces"));
    }
    Ok(v)
}

/// `PREFIX=DIR`, e.g. `/=www` or `/pkg=pkg`. The prefix is stored without a trailing
/// slash (`/` becomes ``) so that prefix matching works on segment boundaries.
fn parse_static(spec: &str) -> Result<StaticMount, String> {
    let (prefix, dir) = spec
        .split_once('=')
        .ok_or_else(|| format!("--static {spec:?}: expected PREFIX=DIR"))?;
    if !prefix.starts_with('/') {
        return Err(format!("--static {spec:?}: PREFIX must start with /"));
    }
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        return Err(format!(
            "--static {spec:?}: {} is not a directory",
            dir.display()
        ));
    }
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("--static {spec:?}: {e}"))?;
    Ok(StaticMount {
        prefix: prefix.trim_end_matches('/').to_owned(),
        dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn cli() {
        let o = parse(&[]).unwrap();
        assert_eq!(
            (o.port, o.tokens.as_slice(), o.seed),
            (0, &["sim-token".to_owned()][..], SeedKind::Default)
        );
        let o = parse(&[
            "--port",
            "8080",
            "--token=a",
            "--token",
            "b",
            "--seed",
            "none",
            "--quiet",
            "--static",
            "/x=.",
            "--allow-origin",
            "http://127.0.0.1:9",
        ])
        .unwrap();
        assert_eq!(o.allow_origins, ["http://127.0.0.1:9"]);
        assert_eq!(o.port, 8080);
        assert_eq!(o.tokens, ["a", "b"]);
        assert_eq!(o.seed, SeedKind::None);
        assert!(o.quiet);
        assert!(!o.banner);
        assert!(parse(&["--banner"]).unwrap().banner);
        assert_eq!(parse(&["--seed", "demo"]).unwrap().seed, SeedKind::Demo);
        assert_eq!(o.statics[0].prefix, "/x");
        assert_eq!(parse(&["--static", "/=."]).unwrap().statics[0].prefix, "");
        assert_eq!(o.entra.tenant, entra::DEFAULT_TENANT);
        assert_eq!(o.entra.token_lifetime_secs, 3599);
        let o = parse(&[
            "--entra-tenant",
            "t",
            "--entra-client-id=c",
            "--entra-client-secret",
            "s",
            "--token-lifetime-secs",
            "310",
        ])
        .unwrap();
        assert_eq!(
            (
                o.entra.tenant.as_str(),
                o.entra.client_id.as_str(),
                o.entra.client_secret.as_str(),
                o.entra.token_lifetime_secs
            ),
            ("t", "c", "s", 310)
        );
        let o = parse(&[
            "--tls-port",
            "0",
            "--tls-cert-out=/tmp/c.pem",
            "--oidc-client-id",
            "spa",
            "--oidc-api-audience",
            "api",
            "--oidc-redirect-uri",
            "https://app.example/cb",
            "--oidc-redirect-uri=http://localhost:3000/",
        ])
        .unwrap();
        assert_eq!(o.tls_port, Some(0));
        assert_eq!(o.tls_cert_out, Some(PathBuf::from("/tmp/c.pem")));
        assert_eq!(
            (o.oidc.client_id.as_str(), o.oidc.api_audience.as_str()),
            ("spa", "api")
        );
        assert_eq!(
            o.oidc.redirect_uris,
            ["https://app.example/cb", "http://localhost:3000/"]
        );
        assert_eq!(parse(&[]).unwrap().tls_port, None);
        for bad in [
            &["--tls-port", "x"][..],
            &["--tls-cert-out", "/tmp/c.pem"],
            &["--oidc-redirect-uri", "app.example/cb"],
            &["--oidc-redirect-uri", "https://app.example/#x"],
            &["--oidc-client-id", ""],
            &["--token-lifetime-secs", "-1"],
            &["--token-lifetime-secs", "99999999"],
            &["--entra-client-secret", ""],
            &["--entra-tenant"],
            &["--port", "x"],
            &["--seed", "all"],
            &["--bogus"],
            &["--port"],
            &["--static", "x=."],
            &["--quiet=1"],
            &["--banner=yes"],
            &["--allow-origin", "null"],
            &["--allow-origin", "*"],
            &["--allow-origin", "http://127.0.0.1:9/"],
            &["--allow-origin", "ftp://x"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
