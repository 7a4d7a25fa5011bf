//! Running commands, and where things are.

use std::path::PathBuf;
use std::process::Command;

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A command run from the repository root.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(repo_root());
    command
}

/// `cargo`, the one running this task.
pub fn cargo() -> Command {
    command(&std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `node`, from the machine.
pub fn node() -> Command {
    command("node")
}

/// A tool installed by npm into `node_modules/.bin`.
pub fn npm_bin(name: &str) -> PathBuf {
    repo_root().join("node_modules/.bin").join(name)
}

/// Runs to completion; an error says which command failed.
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// Runs and returns standard output, or `None` if it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
