//! `cargo xtask fuzz`: every cargo-fuzz target in fuzz/, for a fixed time each.
//!
//! cargo-fuzz wants a nightly compiler for `-Z` flags; only stable can be
//! installed here, so it runs with `RUSTC_BOOTSTRAP=1`, which lets stable
//! rustc accept them.

use crate::process::{self, describe, output, repo_root, run};
use std::fs;
use std::path::Path;
use std::process::Command;

/// Seconds per target when `--seconds` is not given.
const DEFAULT_SECONDS: u64 = 60;

/// Runs every target for the time asked, one after the other (a crash in
/// one does not hide the others), and fails if any crashed, naming the
/// input libFuzzer saved.
pub fn run_all(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    ensure_cargo_fuzz()?;
    let targets = targets()?;
    run(&mut cargo_fuzz("build", &options))?;
    let mut crashed = Vec::new();
    for target in &targets {
        eprintln!("fuzz: {target} for {} s", options.seconds);
        let report = fuzz_target(target, &options)?;
        println!("{target}: {report}");
        if !report.clean {
            crashed.push(format!("{target} ({report})"));
        }
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzzing crashed: {}", crashed.join("; ")))
    }
}

struct Options {
    seconds: u64,
    /// AddressSanitizer is off by default: the core has no `unsafe`, so it
    /// finds nothing there, and it costs about 4x the executions (measured
    /// on json_roundtrip: 58,000 vs 13,600 runs a second).
    asan: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            seconds: DEFAULT_SECONDS,
            asan: false,
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--seconds" => {
                    options.seconds = rest
                        .next()
                        .and_then(|s| s.parse().ok())
                        .filter(|&s| s > 0)
                        .ok_or("--seconds takes a whole number of seconds")?
                }
                "--asan" => options.asan = true,
                other => return Err(format!("fuzz: unknown argument {other}")),
            }
        }
        Ok(options)
    }
}

/// The cargo-fuzz release installed, with its own lock file (`--locked`
/// resolves on this registry: checked).
const CARGO_FUZZ: &str = "0.13.2";

/// `cargo install --locked cargo-fuzz` at exactly [`CARGO_FUZZ`] when `cargo
/// fuzz` is missing or another version. Never unlocked: a failure is reported.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let have = output(process::cargo().args(["fuzz", "--version"]));
    // "cargo-fuzz 0.13.2"
    if have.is_some_and(|v| v.split_whitespace().nth(1) == Some(CARGO_FUZZ)) {
        return Ok(());
    }
    eprintln!("setup: installing cargo-fuzz {CARGO_FUZZ} from crates.io (a few minutes, once per machine)");
    run(process::cargo().args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        &format!("={CARGO_FUZZ}"),
    ]))
}

/// The targets: one per file in fuzz/fuzz_targets, in name order.
fn targets() -> Result<Vec<String>, String> {
    let dir = repo_root().join("fuzz/fuzz_targets");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut targets: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    targets.sort();
    if targets.is_empty() {
        return Err(format!("no fuzz targets in {}", dir.display()));
    }
    Ok(targets)
}

/// `cargo fuzz <subcommand>` on stable, with the sanitizer chosen (the same
/// for build and run, or each run would rebuild everything).
fn cargo_fuzz(subcommand: &str, options: &Options) -> Command {
    let mut command = process::cargo();
    command
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", subcommand, "--sanitizer"])
        .arg(if options.asan { "address" } else { "none" });
    command
}

/// One target for `options.seconds`. New inputs go to fuzz/corpus/<target>
/// (git-ignored, kept between runs); fuzz/seeds/<target> and
/// fuzz/dicts/<target>.dict are read only.
fn fuzz_target(target: &str, options: &Options) -> Result<Report, String> {
    let root = repo_root();
    let corpus = Path::new("fuzz/corpus").join(target);
    fs::create_dir_all(root.join(&corpus))
        .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let seeds = Path::new("fuzz/seeds").join(target);
    // A dictionary of the words the code branches on (header names, JSON
    // keys, date parts) reaches paths that byte mutations take long to find.
    let dict = Path::new("fuzz/dicts").join(format!("{target}.dict"));
    let mut command = cargo_fuzz("run", options);
    command.arg(target).arg(&corpus);
    if root.join(&seeds).is_dir() {
        command.arg(&seeds);
    }
    command
        .arg("--")
        .arg(format!("-max_total_time={}", options.seconds));
    if root.join(&dict).is_file() {
        command.arg(format!("-dict={}", dict.display()));
    }
    let result = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(&command)))?;
    let log = String::from_utf8_lossy(&result.stderr);
    let report = Report::read(&log, result.status.success());
    if !report.clean && report.artifact.is_none() && report.panic.is_none() {
        // Not a finding but a failure to run (a build error, say): show why.
        eprintln!("{}", tail(&log, 40));
        return Err(format!("{} failed ({})", describe(&command), result.status));
    }
    Ok(report)
}

/// What libFuzzer said about a run.
struct Report {
    clean: bool,
    runs: Option<u64>,
    seconds: Option<u64>,
    panic: Option<String>,
    artifact: Option<String>,
}

impl Report {
    /// Reads libFuzzer's log: `Done N runs in S second(s)` on a clean run;
    /// the panic and `Test unit written to PATH` on a crash; and the last
    /// `#N` status line for how far a crashed run got.
    fn read(log: &str, success: bool) -> Report {
        let mut report = Report {
            clean: success,
            runs: None,
            seconds: None,
            panic: None,
            artifact: None,
        };
        let mut lines = log.lines();
        while let Some(line) = lines.next() {
            if let Some(done) = line.strip_prefix("Done ") {
                let words: Vec<&str> = done.split_whitespace().collect();
                report.runs = words.first().and_then(|n| n.parse().ok());
                report.seconds = words.get(3).and_then(|n| n.parse().ok());
            } else if let Some(count) = line.strip_prefix('#') {
                let n = count.split_whitespace().next().and_then(|n| n.parse().ok());
                report.runs = n.or(report.runs);
            } else if line.contains("panicked at") && report.panic.is_none() {
                let message = lines.next().unwrap_or_default();
                report.panic = Some(format!("{} {message}", line.trim()));
            } else if let Some((_, path)) = line.split_once("Test unit written to ") {
                report.artifact = Some(path.trim().to_owned());
            }
        }
        report
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.runs {
            Some(runs) => write!(f, "{runs} runs")?,
            None => write!(f, "runs unknown")?,
        }
        if let Some(seconds) = self.seconds {
            write!(f, " in {seconds} s")?;
        }
        if self.clean {
            return write!(f, ", clean");
        }
        write!(f, ", CRASHED")?;
        if let Some(panic) = &self.panic {
            write!(f, ": {panic}")?;
        }
        if let Some(artifact) = &self.artifact {
            write!(f, "; input saved to {artifact}")?;
        }
        Ok(())
    }
}

/// The last `n` lines of a log.
fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
