// wrangler's custom build ([build] in wrangler.toml), run before `wrangler dev` and
// `wrangler deploy` bundle the Worker: copies the package it imports from ../pkg-edge/ next
// to worker.mjs, or stops them, before anything listens, saying what to run.

import { copyFileSync, existsSync } from "node:fs";
import process from "node:process";

const FILES = ["mde_machine_actions.js", "mde_machine_actions_bg.wasm"];
const from = new URL("../pkg-edge/", import.meta.url);
const missing = FILES.filter((file) => !existsSync(new URL(file, from)));
if (missing.length > 0) {
  console.error(`edge: pkg-edge/${missing.join(" and pkg-edge/")} not found: build the package first with \`cargo xtask build\` at the repository's root.`);
  process.exit(1);
}
for (const file of FILES) copyFileSync(new URL(file, from), new URL(file, import.meta.url));
