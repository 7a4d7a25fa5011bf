//! Builds the npm package in `pkg/`: the wasm module, its JS glue and types.

use crate::bindgen;
use crate::process::{self, npm_bin, repo_root, run};
use std::fs;

const CRATE: &str = "mde_machine_actions";

/// `cargo build` for wasm32, `wasm-bindgen --target web`, `wasm-opt -Oz`,
/// and a package.json, giving the layout wasm-pack would.
pub fn package() -> Result<(), String> {
    let root = repo_root();
    run(process::cargo().args([
        "build",
        "--quiet",
        "--release",
        "--lib",
        "--package",
        "mde-machine-actions",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let wasm = root.join(format!(
        "target/wasm32-unknown-unknown/release/{CRATE}.wasm"
    ));
    let out = root.join("pkg");
    let _ = fs::remove_dir_all(&out);
    bindgen::generate(&wasm, &out)?;
    let bg = out.join(format!("{CRATE}_bg.wasm"));
    // binaryen from npm: Debian's wasm-opt (108) emits modules that fail to load.
    run(process::command(&npm_bin("wasm-opt").to_string_lossy())
        .arg("-Oz")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    fs::write(out.join("package.json"), package_json()?)
        .map_err(|e| format!("cannot write pkg/package.json: {e}"))?;
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        let _ = fs::copy(root.join(file), out.join(file));
    }
    let _ = fs::remove_file(out.join(".gitignore"));
    Ok(())
}

fn package_json() -> Result<String, String> {
    let manifest = fs::read_to_string(repo_root().join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let field = |key: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned()
    };
    Ok(format!(
        r#"{{
  "name": "{name}",
  "version": "{version}",
  "description": "{description}",
  "license": "{license}",
  "type": "module",
  "files": ["{CRATE}_bg.wasm", "{CRATE}.js", "{CRATE}.d.ts", "{CRATE}_bg.wasm.d.ts", "README.md"],
  "main": "{CRATE}.js",
  "module": "{CRATE}.js",
  "types": "{CRATE}.d.ts",
  "exports": {{
    ".": {{ "types": "./{CRATE}.d.ts", "default": "./{CRATE}.js" }},
    "./{CRATE}_bg.wasm": "./{CRATE}_bg.wasm"
  }},
  "sideEffects": ["./snippets/*"],
  "keywords": ["defender", "mde", "microsoft-defender-for-endpoint", "wasm", "cloudflare-workers"]
}}
"#,
        name = field("name"),
        version = field("version"),
        description = field("description"),
        license = field("license"),
    ))
}
