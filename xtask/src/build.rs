//! Builds the npm packages in `pkg/` and `pkg-edge/`: the wasm module, its JS
//! glue and types.

use crate::bindgen;
use crate::process::{self, npm_bin, repo_root, run};
use std::fs;
use std::path::{Path, PathBuf};

const CRATE: &str = "mde_machine_actions";

/// The two builds of the package: `pkg/` for pages (no `ClientCredentials`:
/// a browser must never hold a client secret) and `pkg-edge/` for servers
/// and Workers, with it.
pub const BUILDS: [(&str, &[&str]); 2] = [("pkg", &[]), ("pkg-edge", &["edge"])];

/// Builds both packages and prints what it wrote: each file's path, raw and
/// gzip size, and what a page or Worker loads (wasm + glue), gzip.
pub fn package() -> Result<(), String> {
    for (dir, features) in BUILDS {
        build(dir, features)?;
        let out = repo_root().join(dir);
        println!("build: wrote {}/", out.display());
        let mut files: Vec<PathBuf> = fs::read_dir(&out)
            .map_err(|e| format!("cannot list {dir}/: {e}"))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        files.sort();
        for file in &files {
            let raw = fs::metadata(file).map_err(|e| e.to_string())?.len();
            println!(
                "  {:<34} {:>7.1} KiB  {:>6.1} KiB gzip",
                file.file_name().unwrap_or_default().to_string_lossy(),
                kib(raw),
                kib(gzip_size(file)?)
            );
        }
        let wasm = gzip_size(&out.join(format!("{CRATE}_bg.wasm")))?;
        let glue = gzip_size(&out.join(format!("{CRATE}.js")))?;
        println!(
            "  loaded: wasm {:.1} + JS glue {:.1} = {:.1} KiB gzip",
            kib(wasm),
            kib(glue),
            kib(wasm + glue)
        );
    }
    Ok(())
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// The size of `path` compressed with `gzip -9`, in bytes.
pub fn gzip_size(path: &std::path::Path) -> Result<u64, String> {
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok(out.stdout.len() as u64)
}

/// `cargo build` for wasm32, `wasm-bindgen --target web`, `wasm-opt -Oz`,
/// and a package.json, giving the layout wasm-pack would.
fn build(dir: &str, features: &[&str]) -> Result<(), String> {
    let root = repo_root();
    let wasm = compile(features)?;
    let out = root.join(dir);
    let _ = fs::remove_dir_all(&out);
    bindgen_and_optimise(&wasm, &out, false)?;
    inline_snippets(&out)?;
    fs::write(out.join("package.json"), package_json()?)
        .map_err(|e| format!("cannot write {dir}/package.json: {e}"))?;
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        let _ = fs::copy(root.join(file), out.join(file));
    }
    let _ = fs::remove_file(out.join(".gitignore"));
    Ok(())
}

/// The release wasm32 build of the crate with `features`; returns its path.
pub fn compile(features: &[&str]) -> Result<PathBuf, String> {
    let root = repo_root();
    run(process::cargo()
        .args([
            "build",
            "--quiet",
            "--release",
            "--lib",
            "--package",
            "mde-machine-actions",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .arg(format!("--features={}", features.join(","))))?;
    Ok(root.join(format!(
        "target/wasm32-unknown-unknown/release/{CRATE}.wasm"
    )))
}

/// `wasm-bindgen --target web` into `out`, then `wasm-opt -Oz`; returns the
/// optimised module's path. `keep_names` keeps the function names (for the
/// size breakdown), which the package leaves out.
pub fn bindgen_and_optimise(wasm: &Path, out: &Path, keep_names: bool) -> Result<PathBuf, String> {
    bindgen::generate(wasm, out, keep_names)?;
    let bg = out.join(format!("{CRATE}_bg.wasm"));
    // binaryen from npm: Debian's wasm-opt (108) emits modules that fail to load.
    let mut opt = process::command(&npm_bin("wasm-opt").to_string_lossy());
    opt.arg("-Oz")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg(&bg)
        .arg("-o")
        .arg(&bg);
    if keep_names {
        opt.arg("--debuginfo");
    }
    run(&mut opt)?;
    Ok(bg)
}

/// Moves the crate's `inline_js` snippets (the `MachineActionError` class)
/// into the glue, so the package stays one module plus its wasm: Workers
/// bind modules one by one, and the class must be exported from the entry.
/// The wasm-bindgen version is pinned, so the shape of its imports is known;
/// anything else fails the build.
fn inline_snippets(out: &Path) -> Result<(), String> {
    let snippets = out.join("snippets");
    if !snippets.exists() {
        return Ok(());
    }
    let glue_path = out.join(format!("{CRATE}.js"));
    let mut glue =
        fs::read_to_string(&glue_path).map_err(|e| format!("cannot read the glue: {e}"))?;
    let mut found = Vec::new();
    for dir in fs::read_dir(&snippets).map_err(|e| e.to_string())? {
        let dir = dir.map_err(|e| e.to_string())?.path();
        for file in fs::read_dir(&dir).map_err(|e| e.to_string())? {
            found.push(file.map_err(|e| e.to_string())?.path());
        }
    }
    for file in found {
        let relative = file
            .strip_prefix(out)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let source = fs::read_to_string(&file).map_err(|e| e.to_string())?;
        let mut names = Vec::new();
        let mut body = String::new();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("export function ") {
                let name = rest.split('(').next().unwrap_or_default().trim();
                names.push(name.to_owned());
                body.push_str("function ");
                body.push_str(rest);
            } else {
                body.push_str(line);
            }
            body.push('\n');
        }
        let named = format!("from './{relative}';");
        let star = format!(" from \"./{relative}\"");
        // The snippet's body takes the place of the first line that imports
        // it; a namespace import becomes an object of its functions.
        let mut lines: Vec<String> = Vec::new();
        let mut placed = false;
        for line in glue.lines() {
            let named_import = line.starts_with("import {") && line.ends_with(&named);
            let alias = line
                .strip_prefix("import * as ")
                .and_then(|rest| rest.strip_suffix(&star));
            if !named_import && alias.is_none() {
                lines.push(line.to_owned());
                continue;
            }
            if !placed {
                lines.push(body.clone());
                placed = true;
            }
            if let Some(alias) = alias {
                lines.push(format!(
                    "const {alias} = {{ __proto__: null, {} }};",
                    names.join(", ")
                ));
            }
        }
        if !placed {
            return Err(format!(
                "the glue does not import {relative} as expected; check the wasm-bindgen version"
            ));
        }
        glue = lines.join("\n");
        glue.push('\n');
    }
    fs::write(&glue_path, glue).map_err(|e| format!("cannot write the glue: {e}"))?;
    fs::remove_dir_all(&snippets).map_err(|e| e.to_string())
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
