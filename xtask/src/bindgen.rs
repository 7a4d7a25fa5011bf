//! wasm-bindgen, in-process: xtask depends on the `wasm-bindgen-cli` crate at
//! exactly the version of `wasm-bindgen` in Cargo.lock, and runs its code for
//! the bindgen step and as the wasm32 test runner. Nothing is installed with
//! `cargo install`, and the versions are locked by the project's own Cargo.lock
//! (the CLI's published lock file cannot be used on this registry).

use crate::setup::locked_version;
use std::ffi::OsStr;
use std::path::Path;

/// The bindgen step and the test runner are xtask's own `wasm-bindgen-cli`
/// dependency (no installed binary): it must be exactly the library's version,
/// or its output will not load. Both versions come from Cargo.lock.
pub fn check_version() -> Result<(), String> {
    let library = locked_version("wasm-bindgen")?;
    let cli = locked_version("wasm-bindgen-cli")?;
    if library == cli {
        return Ok(());
    }
    Err(format!(
        "Cargo.lock has wasm-bindgen {library} but wasm-bindgen-cli {cli}: \
         pin `wasm-bindgen-cli = \"={library}\"` in xtask/Cargo.toml"
    ))
}

/// `wasm-bindgen --target web`, run in-process: the CLI's own code, at the
/// version Cargo.lock pins, so the glue always matches the library and no
/// separately installed binary can drift from it. `keep_names` keeps the
/// function names (for the size breakdown), which the package leaves out.
pub fn generate(wasm: &Path, out: &Path, keep_names: bool) -> Result<(), String> {
    check_version()?;
    let mut args: Vec<&OsStr> = vec![
        "wasm-bindgen".as_ref(),
        wasm.as_os_str(),
        "--target".as_ref(),
        "web".as_ref(),
        "--out-dir".as_ref(),
        out.as_os_str(),
    ];
    // Names go here rather than with `strip = true`, which would also drop
    // the target_features section that wasm-opt needs.
    if keep_names {
        args.push("--keep-debug".as_ref());
    } else {
        args.push("--remove-name-section".as_ref());
        args.push("--remove-producers-section".as_ref());
    }
    wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(args)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", wasm.display()))
}

/// The hidden xtask subcommand that cargo runs wasm32 test binaries with.
pub const RUNNER: &str = "wasm-bindgen-test-runner";

/// `<this xtask binary> wasm-bindgen-test-runner`, for
/// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER` (cargo splits it at spaces).
pub fn test_runner() -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    let exe = exe.to_string_lossy();
    if exe.contains(char::is_whitespace) {
        return Err(format!(
            "the wasm test runner cannot be at a path with spaces: {exe}"
        ));
    }
    Ok(format!("{exe} {RUNNER}"))
}

/// wasm-bindgen's own test runner (Node, the browsers, the harness it
/// generates), at the version Cargo.lock pins.
pub fn run_test_runner(args: &[String]) -> Result<(), String> {
    let argv = std::iter::once(RUNNER.to_owned()).chain(args.iter().cloned());
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(argv)
        .map_err(|e| format!("wasm-bindgen-test-runner: {e:#}"))
}
