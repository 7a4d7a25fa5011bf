//! `cargo xtask bench --baseline REV`: the package as it was at commit REV,
//! built in a worktree of the repository under `target/`, so the bench can
//! time it against today's in the same process.

use crate::process::{cargo, command, output, repo_root, run};
use std::path::PathBuf;

/// Builds the page's package at `rev`; returns the commit and its `pkg/`.
pub fn package(rev: &str) -> Result<(String, PathBuf), String> {
    // Resolved here, not in the worktree, where HEAD and HEAD~n are its own.
    let commit =
        output(command("git").args(["rev-parse", "--verify", &format!("{rev}^{{commit}}")]))
            .map(|sha| sha.trim().to_owned())
            .ok_or_else(|| format!("--baseline {rev}: not a commit of this repository"))?;
    let dir = repo_root().join("target/bench-baseline");
    // Kept between runs: moving it to another commit reuses its build cache.
    // It is the bench's own, so whatever a build left in it is discarded.
    if dir.join(".git").exists() {
        run(command("git")
            .current_dir(&dir)
            .args(["checkout", "--quiet", "--force", "--detach", &commit]))?;
    } else {
        // Forget the record of a worktree whose directory went with `cargo clean`.
        run(command("git").args(["worktree", "prune"]))?;
        run(command("git")
            .args(["worktree", "add", "--quiet", "--detach"])
            .arg(&dir)
            .arg(&commit))?;
    }
    // That commit's own `cargo xtask build`, with the toolchain running this
    // one, so the two packages differ only by their code.
    run(cargo()
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .args(["xtask", "build"]))?;
    Ok((commit, dir.join("pkg")))
}
