//! Installs what the tasks need, when it is missing, and nothing else: each
//! check is cheap, so a machine that has everything pays well under a second.
//!
//! Only crates.io, npm and Debian's apt are reachable on the machines this
//! runs on, so every tool comes from one of them (see README, "Set-up").

use crate::bindgen;
use crate::process::{command, output, repo_root, run};
use std::fs;
use std::path::Path;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Everything any task uses.
pub fn ensure_all() -> Result<(), String> {
    ensure_build_tools()?;
    ensure_browsers()
}

/// The wasm target and npm's tools (binaryen's wasm-opt among them).
/// wasm-bindgen is not installed: it is a dependency of xtask itself.
pub fn ensure_build_tools() -> Result<(), String> {
    ensure_wasm_target()?;
    bindgen::check_version()?;
    ensure_npm()
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output(command("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|l| l.trim() == WASM_TARGET)) {
        return Ok(());
    }
    eprintln!("setup: adding the Rust target {WASM_TARGET}");
    run(command("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of `name` recorded in Cargo.lock.
pub fn locked_version(name: &str) -> Result<String, String> {
    let lock = fs::read_to_string(repo_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or(format!("{name} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + end].to_owned())
}

/// `npm ci` when node_modules does not match package-lock.json.
pub fn ensure_npm() -> Result<(), String> {
    let root = repo_root();
    let lock = fs::read(root.join("package-lock.json"))
        .map_err(|e| format!("cannot read package-lock.json: {e}"))?;
    let stamp = root.join("node_modules/.xtask-installed-lock");
    if fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    eprintln!("setup: installing npm packages (npm ci)");
    run(command("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    fs::write(&stamp, lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Where Debian installs Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Where Debian installs Firefox ESR (tests/runtimes/firefox.mjs uses the same path).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";

/// Debian's Chromium and Firefox ESR, for the browser suites: whichever is
/// missing, in one `apt-get update` and one install.
pub fn ensure_browsers() -> Result<(), String> {
    let missing: Vec<&str> = [(CHROMIUM, "chromium"), (FIREFOX, "firefox-esr")]
        .into_iter()
        .filter(|(binary, _)| !Path::new(binary).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("setup: installing {} with apt-get", missing.join(" and "));
    run(command("apt-get").arg("update").arg("-q"))?;
    run(command("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
