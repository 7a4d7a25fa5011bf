//! The local Defender simulator, as a child process of a task.

use crate::process::{self, repo_root, run};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Builds `mde-sim` and returns the binary's path.
pub fn build(release: bool) -> Result<PathBuf, String> {
    let mut cargo = process::cargo();
    cargo.args(["build", "--quiet", "--package", "mde-sim"]);
    if release {
        cargo.arg("--release");
    }
    run(&mut cargo)?;
    let profile = if release { "release" } else { "debug" };
    Ok(repo_root().join("target").join(profile).join("mde-sim"))
}

/// A running simulator on 127.0.0.1; stopped when dropped. It also exits by
/// itself when this process dies, because its stdin closes.
pub struct Sim {
    child: Child,
    url: String,
}

impl Sim {
    /// Starts the simulator on an ephemeral port and waits until it listens.
    pub fn start(binary: &PathBuf, args: &[&str]) -> Result<Sim, String> {
        let mut child = Command::new(binary)
            .current_dir(repo_root())
            .args(["--port", "0", "--exit-on-stdin-eof", "--quiet"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from the simulator")?;
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let url = line
            .trim()
            .strip_prefix("mde-sim listening on ")
            .map(str::to_owned);
        match url {
            Some(url) => Ok(Sim { child, url }),
            None => {
                let _ = child.kill();
                Err(format!("the simulator did not start (it printed {line:?})"))
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
