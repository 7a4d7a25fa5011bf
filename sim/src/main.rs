//! `mde-sim`: a local stand-in for the Microsoft Defender for Endpoint machine-actions
//! API, for the conformance tests, the demo page and benchmarks. It binds to 127.0.0.1
//! only, and `guard.rs` keeps web pages open in the same browser away from it.
//!
//! This file is the CLI: argument parsing, binding, the two lines harnesses parse (where
//! it listens, and the control secret), and the ways the process ends (stdin EOF, lifetime
//! limit, Ctrl-C/SIGTERM).

mod api;
mod app;
mod banner;
mod control;
mod cors;
mod demo;
mod entra;
mod faults;
mod guard;
mod list;
#[cfg(test)]
mod list_stack_tests;
mod machines;
mod odata;
mod quota;
mod request_log;
#[cfg(test)]
mod security_tests;
mod seed;
mod server;
mod state;
mod static_files;
mod util;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use state::{AppState, SeedKind, StaticMount};

const USAGE: &str = "usage: mde-sim [--port N] [--token T]... [--seed default|demo|none] \
[--static PREFIX=DIR]... [--allow-origin ORIGIN]... [--exit-on-stdin-eof] [--max-lifetime-secs N] [--quiet] [--banner] [--entra-tenant T] \
[--entra-client-id C] [--entra-client-secret S] [--token-lifetime-secs N] [--quota off|CALLS/WINDOW_MS,...]";

#[derive(Debug)]
struct Options {
    port: u16,
    tokens: Vec<String>,
    seed: SeedKind,
    statics: Vec<StaticMount>,
    /// Origins besides its own that may read answers (a test page on another port).
    allow_origins: Vec<String>,
    exit_on_stdin_eof: bool,
    max_lifetime_secs: Option<u64>,
    quiet: bool,
    banner: bool,
    entra: entra::EntraConfig,
    quota: Vec<quota::Limit>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
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
            "--exit-on-stdin-eof" if inline.is_none() => o.exit_on_stdin_eof = true,
            "--quiet" if inline.is_none() => o.quiet = true,
            "--banner" if inline.is_none() => o.banner = true,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if o.tokens.is_empty() {
        o.tokens.push(state::DEFAULT_TOKEN.into());
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

fn main() {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mde-sim: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mde-sim: cannot start runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(run(opts));
}

async fn run(opts: Options) {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mde-sim: cannot bind 127.0.0.1:{}: {e}", opts.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(opts.port);
    let access = guard::Access::new(port, &opts.allow_origins, guard::Access::generate_secret());
    {
        // The secret goes to stdout, where the harness that started the simulator reads
        // it; never to the access log (stderr).
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "mde-sim listening on http://127.0.0.1:{port}");
        let _ = writeln!(out, "mde-sim control secret: {}", access.secret());
        if opts.banner {
            let _ = out.write_all(banner::banner(port, opts.seed, &opts.tokens).as_bytes());
        }
        let _ = out.flush();
    }

    if opts.exit_on_stdin_eof {
        // A plain thread: tokio's stdin is also a blocking thread underneath, and this
        // must keep working even if the runtime is busy.
        std::thread::spawn(|| {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => std::process::exit(0),
                    Ok(_) => {}
                }
            }
        });
    }
    if let Some(secs) = opts.max_lifetime_secs {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            std::process::exit(0);
        });
    }
    tokio::spawn(async {
        shutdown_signal().await;
        std::process::exit(0);
    });

    let mut state = AppState::new(opts.tokens, opts.seed, opts.quiet, opts.statics);
    state.entra_config = opts.entra;
    state.access = access;
    state.set_default_quota(opts.quota);
    let state = Arc::new(state);
    server::serve(listener, app::router(state)).await;
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
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
        for bad in [
            &["--token-lifetime-secs", "-1"][..],
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
