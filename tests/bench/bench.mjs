// `cargo xtask bench`: the package's size, and the per-call time of
// cancelMachineAction next to hand-written JS doing the same request, against
// the simulator on loopback. Calls alternate so both see the same machine state.

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import * as pkg from "../../pkg/mde_machine_actions.js";
import { COMMENT, plainJsCancel, TOKEN } from "./plain.mjs";
import { simControl } from "../support.mjs";
import { benchBulk } from "./bulk.mjs";

const sim = process.argv[process.argv.indexOf("--sim") + 1];
// `--baseline DIR COMMIT`: the page's package of an earlier commit, timed alongside.
const at = process.argv.indexOf("--baseline");
const [baselineDir, baselineCommit] = at > 0 ? process.argv.slice(at + 1, at + 3) : [null, null];
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const WARMUP = 300;

const kb = (n) => (n / 1024).toFixed(1);
// The `gzip -9` tool, as `cargo xtask build` reports sizes (zlib's level 9 differs by a few hundred bytes).
const gz = (b) => execFileSync("gzip", ["-9", "-n", "-c"], { input: b, maxBuffer: 1 << 26 }).length;
let wasmBytes;
for (const dir of ["pkg", "pkg-edge"]) {
  const root = new URL(`../../${dir}/`, import.meta.url);
  const wasm = await readFile(new URL("mde_machine_actions_bg.wasm", root));
  const glue = await readFile(new URL("mde_machine_actions.js", root));
  wasmBytes ??= wasm;
  console.log(`size of ${dir}/ (KiB, gzip -9)${dir === "pkg" ? ": the page's build" : ": with ClientCredentials, for servers and Workers"}`);
  console.log(`  wasm    ${kb(wasm.length)} raw, ${kb(gz(wasm))} gzip`);
  console.log(`  JS glue ${kb(glue.length)} raw, ${kb(gz(glue))} gzip`);
  console.log(`  total   ${kb(gz(wasm) + gz(glue))} gzip`);
}
const exports = pkg.initSync({ module: wasmBytes });

// The simulator runs without a quota here, and so do the clients: this measures calls, not waits.
const client = new pkg.MachineActionsClient({ token: TOKEN, baseUrl: sim, quota: false });
const contenders = {
  "plain JS fetch + JSON.parse": (id) => plainJsCancel(sim, id),
  "cancelMachineAction": (id) => pkg.cancelMachineAction({ machineActionId: id, comment: COMMENT, token: TOKEN, baseUrl: sim, quota: false }),
  "MachineActionsClient.cancel": (id) => client.cancel(id, COMMENT),
};
if (baselineDir) {
  const old = await import(pathToFileURL(`${baselineDir}/mde_machine_actions.js`).href);
  old.initSync({ module: await readFile(`${baselineDir}/mde_machine_actions_bg.wasm`) });
  const oldClient = new old.MachineActionsClient({ token: TOKEN, baseUrl: sim, quota: false });
  contenders["MachineActionsClient.cancel, baseline"] = (id) => oldClient.cancel(id, COMMENT);
}

const control = (method, path, body) => simControl({ url: sim, secret: process.env.MDE_SIM_SECRET }, method, path, body);

let next = 0;
// BENCH_BODY=minimal: actions of nine fields instead of every documented one
// (the best case of the hand-written parser before typed serde parsing).
const MINIMAL = process.env.BENCH_BODY === "minimal";
async function pendingAction() {
  const id = `00000000-0000-4000-8000-${String(next++).padStart(12, "0")}`;
  const action = {
    type: "Isolate", requestorComment: "bench", status: "Pending", machineId: "7b1f4967d9728e5aa3c06a9e617a22a4a5a17378",
    computerDnsName: "desktop-bench", creationDateTimeUtc: "2026-11-29T09:12:18.9725659Z", errorHResult: 0,
    requestSource: "PublicApi", commands: [],
  };
  if (!MINIMAL) {
    Object.assign(action, {
      scope: "Full", requestor: "analyst@contoso.onmicrosoft.com", lastUpdateDateTimeUtc: "2026-11-29T09:12:18.9725659Z",
      cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null, externalId: null,
      relatedFileInfo: null, troubleshootInfo: null, title: null,
    });
  }
  await control("PUT", `/actions/${id}`, action);
  return id;
}

async function measure(rounds) {
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round += 1) {
    const ids = [];
    for (const _ of names) ids.push(await pendingAction());
    // Rotate who goes first, so no contender always follows the seeding.
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(round + k) % names.length];
      const started = performance.now();
      const result = await contenders[name](ids[k]);
      times[name].push(performance.now() - started);
      if (result.json_body.status !== "Cancelled") throw new Error(`${name}: not cancelled`);
    }
  }
  return times;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// Cold start: fresh processes, the two kinds alternated, medians of 10 each.
await control("POST", "/reset");
const COLD_RUNS = 10;
const cold = { wasm: [], plain: [] };
for (let i = 0; i < COLD_RUNS; i += 1) {
  for (const mode of i % 2 ? ["plain", "wasm"] : ["wasm", "plain"]) {
    const id = await pendingAction();
    const script = new URL("cold.mjs", import.meta.url).pathname;
    cold[mode].push(JSON.parse(execFileSync(process.execPath, [script, mode, sim, id], { encoding: "utf8" })));
  }
}
const coldMedian = (mode, key) => median(cold[mode].map((t) => t[key])).toFixed(1);
console.log(`\ncold start, fresh Node processes, median of ${COLD_RUNS} each (ms from the script's start)`);
console.log(`  package: glue and module read ${coldMedian("wasm", "loaded")}, compile ${coldMedian("wasm", "compile")}, instantiate ${coldMedian("wasm", "instantiate")}, first result at ${coldMedian("wasm", "first_result")}`);
console.log(`  plain JS fetch + JSON.parse: first result at ${coldMedian("plain", "first_result")}`);

await measure(WARMUP);
const memoryBefore = exports.memory.buffer.byteLength;
const times = await measure(CALLS);
const memoryAfter = exports.memory.buffer.byteLength;
const base = median(times["plain JS fetch + JSON.parse"]);
console.log(`\nper-call time, median of ${CALLS} alternated calls each (Node ${process.versions.node}, simulator on loopback${MINIMAL ? ", minimal bodies" : ""})`);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  console.log(`  ${name.padEnd(38)} ${(m * 1000).toFixed(0).padStart(5)} µs  ${(m / base).toFixed(3)}×`);
}
if (baselineDir) {
  const ratio = median(times["MachineActionsClient.cancel"]) / median(times["MachineActionsClient.cancel, baseline"]);
  console.log(`  MachineActionsClient.cancel against the baseline (${baselineCommit.slice(0, 12)}): ${ratio.toFixed(3)}×`);
}
console.log(`\nwasm memory: ${kb(memoryBefore)} KB before, ${kb(memoryAfter)} KB after ${CALLS * 2} more cancels`);

// Memory over many calls of every kind: successes, errors, invalid input.
const MEMORY_CALLS = 10_000;
const seeded = await pendingAction();
const memoryStart = exports.memory.buffer.byteLength;
for (let i = 0; i < MEMORY_CALLS; i += 1) {
  if (i % 3 === 0) await client.get(seeded);
  else if (i % 3 === 1) await client.get("00000000-0000-4000-8000-ffffffffffff").catch(() => {});
  else await client.cancel("not-a-guid", COMMENT).catch(() => {});
}
const memoryEnd = exports.memory.buffer.byteLength;
console.log(`wasm memory over ${MEMORY_CALLS} more calls (gets, 404s, invalid input): ${kb(memoryStart)} KB → ${kb(memoryEnd)} KB`);

await benchBulk({ pkg, sim, control });
process.exit(0);
