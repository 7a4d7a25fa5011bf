//! Every development task of the project, as `cargo xtask <task>`.
//!
//! Each task installs what it needs first (see `setup`), so the two commands
//! in the README work on a fresh machine.

mod baseline;
mod bindgen;
mod build;
mod fuzz;
mod process;
mod setup;
mod sim;
mod sizes;
mod test;

use std::ffi::OsStr;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  build            build the npm packages: pkg/ for pages, pkg-edge/ with ClientCredentials
                   for servers and Workers (wasm-bindgen --target web, wasm-opt -Oz), and
                   print each file written with its raw and gzip size
  test             install what is missing, then run every test: native, the conformance
                   suite in Node, Deno, Bun, workerd, Chromium and Firefox, the Worker, the page
  demo [--port N] [--tls-port N]
                   serve the page in www/ against the built-in simulator (default port 8080),
                   with its Entra ID sign-in over TLS on the next port (default 8081)
  bench [--baseline REV]
                   print the packages' sizes (gzip) and where the bytes go, the cold start,
                   the per-call time against plain fetch (and against the package at commit
                   REV), and a bulk cancel under the quota
  sizes            only where the page module's bytes go (SIZES_TOP=N: also its N largest functions)
  fuzz [--seconds N] [--asan]
                   run every cargo-fuzz target in fuzz/ for N seconds each (default 60)
  setup            only install what is missing";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => setup::ensure_build_tools().and_then(|()| build::package()),
        Some("test") => test::run(&args[1..]),
        Some("setup") => setup::ensure_all(),
        Some("demo") => demo(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("sizes") => setup::ensure_build_tools().and_then(|()| sizes::breakdown(&[])),
        Some("fuzz") => fuzz::run_all(&args[1..]),
        // Not a task: cargo runs the wasm32 test binaries through this (see test.rs).
        Some(bindgen::RUNNER) => bindgen::run_test_runner(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo(args: &[String]) -> Result<(), String> {
    let mut port = 8080u16;
    let mut tls_port = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut number = |flag: &str| -> Result<u16, String> {
            rest.next()
                .and_then(|p| p.parse().ok())
                .ok_or(format!("{flag} takes a port number"))
        };
        match arg.as_str() {
            "--port" => port = number("--port")?,
            "--tls-port" => tls_port = Some(number("--tls-port")?),
            other => return Err(format!("demo: unknown argument {other}")),
        }
    }
    // Entra ID's sign-in needs https (MSAL refuses an http authority): the next port.
    let tls_port = tls_port.unwrap_or(
        port.checked_add(1)
            .ok_or("--port is the last port: give --tls-port")?,
    );
    setup::ensure_build_tools()?;
    build::package()?;
    let root = process::repo_root();
    let sim_bin = sim::build(false)?;
    // stdin is a pipe held by this process: if it dies, however, the simulator
    // sees EOF and exits instead of keeping the port.
    let mut child = std::process::Command::new(sim_bin)
        .current_dir(&root)
        .args(["--port", &port.to_string(), "--seed", "demo"])
        .args(["--static", "/=www", "--static", "/pkg=pkg"])
        // MSAL's browser build, from the pinned npm package (npm ci), for the page's sign-in.
        .args(["--static", "/vendor=node_modules/@azure/msal-browser/lib"])
        .args(["--tls-port", &tls_port.to_string()])
        .args(["--banner", "--exit-on-stdin-eof"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    // Child::wait closes a stdin it still holds; keep ours open until then.
    let _stdin = child.stdin.take();
    let status = child.wait().map_err(|e| format!("the simulator: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the simulator exited with {status}"))
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let baseline = match args {
        [] => None,
        [flag, rev] if flag == "--baseline" => Some(baseline::package(rev)?),
        _ => return Err("usage: cargo xtask bench [--baseline REV]".to_owned()),
    };
    setup::ensure_build_tools()?;
    setup::ensure_npm()?;
    build::package()?;
    sizes::breakdown(&[])?;
    let sim_bin = sim::build(true)?;
    let server = sim::Sim::start(&sim_bin, &["--quota", "off"])?;
    process::run(
        process::node()
            .arg("tests/bench/bench.mjs")
            .arg("--sim")
            .arg(server.url())
            .args(baseline.iter().flat_map(|(commit, dir)| {
                [
                    OsStr::new("--baseline"),
                    dir.as_os_str(),
                    OsStr::new(commit),
                ]
            }))
            .env("MDE_SIM_SECRET", server.secret()),
    )
}
