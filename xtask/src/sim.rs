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
    secret: String,
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
        let mut stdout = BufReader::new(stdout);
        let mut line = |prefix: &str| {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            line.trim().strip_prefix(prefix).map(str::to_owned)
        };
        // Where it listens, then the secret `/_sim` wants.
        let url = line("mde-sim listening on ");
        let secret = line("mde-sim control secret: ");
        match (url, secret) {
            (Some(url), Some(secret)) => Ok(Sim { child, url, secret }),
            _ => {
                let _ = child.kill();
                Err("the simulator did not start (no listening and secret lines)".to_owned())
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What `/_sim` wants in `x-sim-secret`; drivers get it as `MDE_SIM_SECRET`.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
