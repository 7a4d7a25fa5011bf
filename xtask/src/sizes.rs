//! Where the bytes of the page's module go: a build of `pkg/` that keeps
//! function names, its code section split by function and grouped into areas
//! (serde, serde-wasm-bindgen, float and other formatting, bindings,
//! allocator, the crate's own code), so the next size trade is an informed one.

use crate::build;
use crate::process::repo_root;
use std::collections::BTreeMap;
use std::fs;

/// Prints the breakdown of the build with `features`.
pub fn breakdown(features: &[&str]) -> Result<(), String> {
    let wasm = build::compile(features)?;
    let out = repo_root().join("target/size-breakdown");
    let _ = fs::remove_dir_all(&out);
    let named = build::bindgen_and_optimise(&wasm, &out, true)?;
    let bytes = fs::read(&named).map_err(|e| format!("cannot read {}: {e}", named.display()))?;
    let module = Module::parse(&bytes).ok_or("cannot read the module's sections")?;
    let mut areas: BTreeMap<&str, u64> = BTreeMap::new();
    let mut functions: Vec<(u64, &str)> = Vec::new();
    for (index, size) in module.bodies.iter().enumerate() {
        let name = module
            .names
            .get(&(index as u32 + module.imported_functions))
            .map_or("", String::as_str);
        *areas.entry(area(name)).or_default() += size;
        functions.push((*size, name));
    }
    if std::env::var_os("SIZES_TOP").is_some() {
        functions.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
        for (size, name) in functions.iter().take(
            std::env::var("SIZES_TOP")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(60),
        ) {
            println!("  {size:>7} {}", name.chars().take(150).collect::<String>());
        }
    }
    *areas.entry("data (messages, tables)").or_default() += module.data;
    *areas.entry("other sections").or_default() += module.other;
    let total: u64 = areas.values().sum();
    let mut rows: Vec<_> = areas.into_iter().collect();
    rows.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    println!(
        "where the bytes go (optimised module before name stripping, {:.1} KiB)",
        total as f64 / 1024.0
    );
    for (area, bytes) in rows {
        println!(
            "  {area:<34} {:>6.1} KiB  {:>4.1} %",
            bytes as f64 / 1024.0,
            bytes as f64 * 100.0 / total as f64
        );
    }
    Ok(())
}

/// The area a function belongs to, by its demangled name.
fn area(name: &str) -> &'static str {
    let has = |needle: &str| name.contains(needle);
    if has("serde_wasm_bindgen") {
        "serde-wasm-bindgen"
    } else if [
        "flt2dec",
        "f64 as core",
        "f32 as core",
        "bignum",
        "dragon",
        "grisu",
    ]
    .iter()
    .any(|n| has(n))
    {
        "float formatting (serde's error text)"
    } else if has("mde_machine_actions") && has("serde") {
        "serde derives of the crate's types"
    } else if has("serde") {
        "serde"
    } else if ["::fmt", "Formatter", "escape_debug", "pad_integral"]
        .iter()
        .any(|n| has(n))
    {
        "core::fmt"
    } else if has("talc") || has("alloc::") || has("RawVec") {
        "allocator and collections"
    } else if [
        "wasm_bindgen",
        "js_sys",
        "web_sys",
        "externref",
        "shim",
        "__wbg",
        "closure",
    ]
    .iter()
    .any(|n| has(n))
        && !has("mde_machine_actions")
    {
        "bindings (wasm-bindgen, js-sys, futures)"
    } else if has("mde_machine_actions") {
        "the crate's own code"
    } else {
        "core and std"
    }
}

/// The parts of a wasm module the breakdown needs.
#[derive(Default)]
struct Module {
    imported_functions: u32,
    /// The size of each function body, in order.
    bodies: Vec<u64>,
    /// Function index → name, from the name section.
    names: BTreeMap<u32, String>,
    data: u64,
    other: u64,
}

impl Module {
    fn parse(bytes: &[u8]) -> Option<Module> {
        let mut module = Module::default();
        let mut r = Reader { bytes, at: 8 };
        while r.at < bytes.len() {
            let id = r.byte()?;
            let size = r.leb()? as usize;
            let end = r.at.checked_add(size)?;
            let mut section = Reader {
                bytes: bytes.get(..end)?,
                at: r.at,
            };
            match id {
                2 => module.imported_functions = count_function_imports(&mut section)?,
                10 => {
                    for _ in 0..section.leb()? {
                        let body = section.leb()?;
                        module.bodies.push(body);
                        section.at += body as usize;
                    }
                }
                11 => module.data += size as u64,
                0 if section.name()? == "name" => {
                    while section.at < end {
                        let kind = section.byte()?;
                        let len = section.leb()? as usize;
                        let next = section.at + len;
                        if kind == 1 {
                            for _ in 0..section.leb()? {
                                let index = section.leb()? as u32;
                                module.names.insert(index, section.name()?.to_owned());
                            }
                        }
                        section.at = next;
                    }
                }
                0 => {}
                _ => module.other += size as u64,
            }
            r.at = end;
        }
        Some(module)
    }
}

fn count_function_imports(r: &mut Reader) -> Option<u32> {
    let mut functions = 0;
    for _ in 0..r.leb()? {
        r.name()?;
        r.name()?;
        match r.byte()? {
            0 => {
                functions += 1;
                r.leb()?;
            }
            1 => {
                r.byte()?;
                limits(r)?;
            }
            2 => limits(r)?,
            3 => {
                r.byte()?;
                r.byte()?;
            }
            4 => {
                r.byte()?;
                r.leb()?;
            }
            _ => return None,
        }
    }
    Some(functions)
}

fn limits(r: &mut Reader) -> Option<()> {
    let flags = r.byte()?;
    r.leb()?;
    if flags & 1 == 1 {
        r.leb()?;
    }
    Some(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn leb(&mut self) -> Option<u64> {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    fn name(&mut self) -> Option<&'a str> {
        let len = self.leb()? as usize;
        let text = self.bytes.get(self.at..self.at + len)?;
        self.at += len;
        std::str::from_utf8(text).ok()
    }
}
