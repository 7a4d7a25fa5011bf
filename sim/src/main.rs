//! `mde-sim`: a local stand-in for the Microsoft Defender for Endpoint machine-actions
//! API, for the conformance tests, the demo page and benchmarks. It binds to 127.0.0.1
//! only, and `guard.rs` keeps web pages open in the same browser away from it.
//!
//! This file starts it: binding (and the TLS port), the lines harnesses parse (where it
//! listens, the control secret, and with `--tls-port` the TLS origin, its certificate's
//! fingerprints and the sign-in authority), and the ways the process ends (stdin EOF,
//! lifetime limit, Ctrl-C/SIGTERM). `cli.rs` parses the arguments.

mod api;
mod app;
mod banner;
mod cli;
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
mod oidc;
mod oidc_authorize;
mod oidc_claims;
#[cfg(test)]
mod oidc_key_tests;
mod oidc_keys;
mod oidc_mint;
mod oidc_page;
#[cfg(test)]
mod oidc_tests;
mod oidc_token;
mod quota;
mod request_log;
#[cfg(test)]
mod security_tests;
mod seed;
mod server;
mod state;
mod static_files;
mod tls;
mod util;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use cli::{parse_args, Options, USAGE};
use state::AppState;

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

async fn run(mut opts: Options) {
    let listener = bind(opts.port).await;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(opts.port);
    let mut access =
        guard::Access::new(port, &opts.allow_origins, guard::Access::generate_secret());
    let tls = match opts.tls_port {
        Some(tls_port) => {
            let tls_listener = bind(tls_port).await;
            let tls_port = tls_listener
                .local_addr()
                .map(|a| a.port())
                .unwrap_or(tls_port);
            let cert = tls::generate().unwrap_or_else(|e| fail(&e));
            if let Some(path) = &opts.tls_cert_out {
                if let Err(e) = std::fs::write(path, &cert.cert_pem) {
                    fail(&format!("cannot write {}: {e}", path.display()));
                }
            }
            access = access.with_tls_port(tls_port);
            opts.oidc.issuer_origin = format!("https://127.0.0.1:{tls_port}");
            Some((tls_listener, tls_port, cert))
        }
        None => {
            opts.oidc.issuer_origin = format!("http://127.0.0.1:{port}");
            None
        }
    };
    let tenant = opts.entra.tenant.clone();
    let authority = format!("{}/{tenant}", opts.oidc.issuer_origin);

    let mut state = AppState::new(
        opts.tokens.clone(),
        opts.seed,
        opts.quiet,
        opts.statics.clone(),
    );
    state.entra_config = opts.entra.clone();
    state.oidc_config = opts.oidc.clone();
    state.access = access;
    state.set_default_quota(opts.quota.clone());
    // The token-signing key is made now, before the harness is told the server is up.
    if let Err(e) = oidc_token::with_keys(&state, |_| Ok(())) {
        fail(&e);
    }
    {
        // The secret goes to stdout, where the harness that started the simulator reads
        // it; never to the access log (stderr).
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "mde-sim listening on http://127.0.0.1:{port}");
        let _ = writeln!(out, "mde-sim control secret: {}", state.access.secret());
        if let Some((_, tls_port, cert)) = &tls {
            let _ = writeln!(out, "mde-sim tls listening on https://127.0.0.1:{tls_port}");
            let _ = writeln!(out, "mde-sim tls certificate sha256: {}", cert.cert_sha256);
            let _ = writeln!(out, "mde-sim tls spki sha256: {}", cert.spki_sha256);
            let _ = writeln!(out, "mde-sim oidc authority: {authority}");
        }
        if opts.banner {
            let signin = tls
                .as_ref()
                .map(|(_, _, cert)| banner::signin(&cert.spki_sha256, &authority, &opts.oidc))
                .unwrap_or_default();
            let text = banner::banner(port, opts.seed, &opts.tokens, &signin);
            let _ = out.write_all(text.as_bytes());
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

    let state = Arc::new(state);
    let app = app::router(state);
    if let Some((tls_listener, _, cert)) = tls {
        tokio::spawn(server::serve(
            tls_listener,
            app.clone(),
            Some(cert.acceptor),
        ));
    }
    server::serve(listener, app, None).await;
}

async fn bind(port: u16) -> tokio::net::TcpListener {
    match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => fail(&format!("cannot bind 127.0.0.1:{port}: {e}")),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("mde-sim: {message}");
    std::process::exit(1);
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
