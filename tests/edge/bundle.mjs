#!/usr/bin/env node
// The edge Worker bundles for Cloudflare as configured: runs the pinned wrangler's
// `deploy --dry-run --outdir target/edge-bundle` on the real edge/wrangler.toml (offline: it
// uploads nothing), whose custom build copies pkg-edge/ next to edge/worker.mjs, and reports
// the bundle's size, raw and gzip.
//
//   node tests/edge/bundle.mjs

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { assert, suite } from "./harness.mjs";
import { ROOT } from "./workerd.mjs";

const { test, finish } = suite("bundle", 120_000);
const OUT = `${ROOT}/target/edge-bundle`;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

await test("wrangler deploy --dry-run bundles edge/ with its Durable Object binding and migration", async () => {
  // What the custom build copies: the test shows it does.
  for (const file of ["mde_machine_actions.js", "mde_machine_actions_bg.wasm"]) rmSync(`${ROOT}/edge/${file}`, { force: true });
  rmSync(OUT, { recursive: true, force: true });
  const run = spawnSync(`${ROOT}/node_modules/.bin/wrangler`, ["deploy", "--dry-run", "--outdir", OUT], {
    cwd: `${ROOT}/edge`,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    timeout: 90_000,
  });
  const said = `${run.stdout}\n${run.stderr}`;
  assert(run.status === 0, `wrangler exited with ${run.status}:\n${said.split("\n").slice(-15).join("\n")}`);
  assert(/env\.QUOTA \(DefenderQuota\)\s+Durable Object/.test(said), `the QUOTA binding is listed:\n${said}`);
  const files = readdirSync(OUT).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"));
  const worker = files.find((f) => f === "worker.js");
  const wasm = files.find((f) => f.endsWith(".wasm"));
  assert(worker && wasm, `a worker.js and a .wasm module in ${OUT}: ${files.join(", ")}`);
  const js = readFileSync(`${OUT}/${worker}`);
  assert(/export \{[^}]*\bDefenderQuota\b/.test(js), "the bundle exports the Durable Object class");
  const module = readFileSync(`${OUT}/${wasm}`);
  const raw = js.length + module.length;
  const gzip = gzipSync(js).length + gzipSync(module).length;
  console.log(`# bundle: ${kib(raw)} raw, ${kib(gzip)} gzip (worker.js ${kib(js.length)} / ${kib(gzipSync(js).length)} gzip, wasm ${kib(module.length)} / ${kib(gzipSync(module).length)} gzip)`);
  const upload = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(said);
  if (upload) console.log(`# wrangler's own figure: ${upload[1]}, ${upload[2]} gzip`);
});

finish();
