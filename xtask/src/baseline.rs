//! `cargo xtask bench --baseline REV`: the package as it was at commit REV,
//! built in a worktree of the repository under `target/`, so the bench can
//! time it against today's in the same process.

use crate::process::{cargo, command, repo_root, run};
use std::path::PathBuf;

/// Builds the page's package at `rev`; returns its `pkg/` directory.
pub fn package(rev: &str) -> Result<PathBuf, String> {
    let dir = repo_root().join("target/bench-baseline");
    // Kept between runs: moving it to another commit reuses its build cache.
    if dir.join(".git").exists() {
        run(command("git")
            .current_dir(&dir)
            .args(["checkout", "--quiet", "--detach", rev]))?;
    } else {
        // Forget a worktree whose directory went with `cargo clean`.
        run(command("git").args(["worktree", "prune"]))?;
        run(command("git")
            .args(["worktree", "add", "--quiet", "--detach"])
            .arg(&dir)
            .arg(rev))?;
    }
    // That commit's own `cargo xtask build`, with its own tools and target.
    run(cargo()
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .args(["xtask", "build"]))?;
    Ok(dir.join("pkg"))
}
