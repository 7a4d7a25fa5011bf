//! `cargo xtask test`: every check, in order from fastest to slowest, with one
//! closing count across all of them.

use crate::process::{self, command, describe, node, npm_bin};
use crate::sim::{self, Sim};
use crate::{bindgen, build, setup};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The runtimes the conformance suite runs in: a name and the command that
/// runs the suite there (each prints `ok`/`not ok` lines and a count). The
/// browsers serve their page on the port given, whose origin the simulator allows.
fn runtimes(pages: &BrowserPages) -> Vec<(&'static str, Command)> {
    let mut deno = command(&npm_bin("deno").to_string_lossy());
    deno.args([
        "run",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        "--allow-read=.",
        "--allow-env=MDE_SIM_SECRET",
        "tests/runtimes/host.mjs",
    ]);
    // Deno again, without --allow-net: its refusal must come back at once, unretried.
    let mut deno_no_net = command(&npm_bin("deno").to_string_lossy());
    deno_no_net.args([
        "run",
        "--no-prompt",
        "--allow-read=pkg-edge",
        "tests/runtimes/deno-no-net.mjs",
    ]);
    let mut node_host = node();
    node_host.arg("tests/runtimes/host.mjs");
    let mut workerd = node();
    workerd.arg("tests/runtimes/workerd.mjs");
    let mut chromium = node();
    chromium.arg("tests/runtimes/chromium.mjs");
    chromium.args(["--page-port", &pages.chromium.to_string()]);
    // Bun (JavaScriptCore) runs host.mjs itself; `--no-install` so it never fetches packages.
    let mut bun = command(&npm_bin("bun").to_string_lossy());
    bun.args(["--no-install", "run", "tests/runtimes/host.mjs"]);
    // Debian's firefox-esr (SpiderMonkey), headless, driven without WebDriver.
    let mut firefox = node();
    firefox.arg("tests/runtimes/firefox.mjs");
    firefox.args(["--page-port", &pages.firefox.to_string()]);
    vec![
        ("Node", node_host),
        ("Deno", deno),
        ("Deno without --allow-net", deno_no_net),
        ("workerd", workerd),
        ("Chromium", chromium),
        ("Bun", bun),
        ("Firefox", firefox),
    ]
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind: {e}"))?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// The ports the browser suites serve their pages on.
struct BrowserPages {
    chromium: u16,
    firefox: u16,
}

impl BrowserPages {
    fn reserve() -> Result<BrowserPages, String> {
        Ok(BrowserPages {
            chromium: free_port()?,
            firefox: free_port()?,
        })
    }

    /// `--allow-origin` for each page, so they may call the simulator.
    fn allow_origins(&self) -> Vec<String> {
        [self.chromium, self.firefox]
            .iter()
            .flat_map(|port| {
                [
                    "--allow-origin".to_owned(),
                    format!("http://127.0.0.1:{port}"),
                ]
            })
            .collect()
    }
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let only = args.first().map(String::as_str);
    setup::ensure_all()?;
    let mut tally = Tally::default();

    if only.is_none() || only == Some("native") {
        step("format and lints");
        check(
            &mut tally,
            "cargo fmt --check",
            process::cargo().args(["fmt", "--all", "--check"]),
        );
        check(
            &mut tally,
            "cargo clippy",
            process::cargo().args([
                "clippy",
                "--quiet",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        );
        check(
            &mut tally,
            "cargo clippy (wasm32)",
            process::cargo().args([
                "clippy",
                "--quiet",
                "--package",
                "mde-machine-actions",
                "--all-targets",
                "--all-features",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]),
        );
        step("native tests (cargo test)");
        counted(
            &mut tally,
            "cargo test",
            process::cargo().args(["test", "--workspace"]),
        );
    }

    if only.is_none() || only == Some("js") {
        step("building pkg/ and pkg-edge/");
        build::package()?;
        let sim_bin = sim::build(false)?;
        let pages = BrowserPages::reserve()?;
        let allow = pages.allow_origins();
        let allow: Vec<&str> = allow.iter().map(String::as_str).collect();
        let server = Sim::start(&sim_bin, &allow)?;
        let refused = format!("http://127.0.0.1:{}", free_port()?);
        step("the TypeScript types (deno check)");
        check(
            &mut tally,
            "deno check tests/types/usage.ts tests/types/page.ts",
            command(&npm_bin("deno").to_string_lossy()).args([
                "check",
                "--quiet",
                "--no-config",
                "tests/types/usage.ts",
                "tests/types/page.ts",
            ]),
        );
        step("the Rust API on wasm32 (wasm-bindgen-test in Node)");
        counted(
            &mut tally,
            "wasm-bindgen-test",
            process::cargo()
                .args(["test", "--package", "mde-machine-actions"])
                .args(["--features", "edge"])
                .args([
                    "--target",
                    "wasm32-unknown-unknown",
                    "--test",
                    "wasm_client",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    bindgen::test_runner()?,
                )
                .env("MDE_SIM_URL", server.url())
                .env("MDE_SIM_SECRET", server.secret()),
        );
        for (name, mut runner) in runtimes(&pages) {
            if let Some(filter) = args.get(1) {
                runner.args(["--only", filter]);
            }
            step(&format!("conformance suite in {name}"));
            counted(
                &mut tally,
                name,
                runner
                    .args(["--sim", server.url(), "--refused", &refused])
                    .env("MDE_SIM_SECRET", server.secret()),
            );
        }
        step("the edge Worker in workerd, against the simulator's API and Entra ID");
        counted(
            &mut tally,
            "edge",
            node()
                .arg("tests/edge/edge.mjs")
                .arg("--sim-bin")
                .arg(&sim_bin),
        );
        step("the edge Worker's sign-in: Entra ID user tokens, roles, the person in the comment");
        counted(
            &mut tally,
            "edge sign-in",
            node()
                .arg("tests/edge/auth.mjs")
                .arg("--sim-bin")
                .arg(&sim_bin),
        );
        step("the edge Worker's shared quota (Durable Object) in workerd");
        counted(
            &mut tally,
            "edge quota",
            node()
                .arg("tests/edge/shared_quota.mjs")
                .arg("--sim-bin")
                .arg(&sim_bin),
        );
        step("the edge Worker bundles for Cloudflare (wrangler deploy --dry-run)");
        counted(
            &mut tally,
            "edge bundle",
            node().arg("tests/edge/bundle.mjs"),
        );
        step("the page in www/, in Chromium");
        counted(
            &mut tally,
            "page",
            node()
                .arg("tests/page/page.mjs")
                .arg("--sim-bin")
                .arg(&sim_bin),
        );
    }

    println!();
    for failure in &tally.failures {
        println!("FAILED: {failure}");
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", tally.failed))
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

/// A check that passes or fails as a whole.
fn check(tally: &mut Tally, name: &str, command: &mut Command) {
    match command.status() {
        Ok(status) if status.success() => tally.passed += 1,
        _ => {
            tally.failed += 1;
            tally.failures.push(name.to_owned());
        }
    }
}

/// Runs a test runner, echoing its output and adding up the counts it reports:
/// cargo's `test result: … N passed; M failed` lines, or the drivers' closing
/// `N passed, M failed`. A runner that fails without a count counts as one failure.
fn counted(tally: &mut Tally, name: &str, command: &mut Command) {
    let described = describe(command);
    let child = command.stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            tally.failed += 1;
            tally
                .failures
                .push(format!("{name}: cannot run {described}: {e}"));
            return;
        }
    };
    let (mut passed, mut failed, mut counted_any) = (0, 0, false);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some((p, f)) = parse_counts(&line) {
                passed += p;
                failed += f;
                counted_any = true;
            }
            if line.starts_with("not ok") {
                tally.failures.push(format!("{name}: {line}"));
            }
        }
    }
    let success = child.wait().is_ok_and(|s| s.success());
    tally.passed += passed;
    tally.failed += failed;
    if !success && failed == 0 {
        tally.failed += 1;
        tally.failures.push(format!(
            "{name}: {described} failed{}",
            if counted_any {
                ""
            } else {
                " before reporting a count"
            }
        ));
    }
}

fn parse_counts(line: &str) -> Option<(u64, u64)> {
    let number_before = |text: &str, word: &str| -> Option<u64> {
        let end = text.find(word)?;
        text[..end]
            .trim_end()
            .rsplit([' ', ';', ',', '.'])
            .next()?
            .parse()
            .ok()
    };
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("test result: ") {
        return Some((
            number_before(rest, " passed")?,
            number_before(rest, " failed")?,
        ));
    }
    let (passed, failed) = line.split_once(" passed, ")?;
    let failed = failed.strip_suffix(" failed")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}
