// One cold start, in a fresh process started by bench.mjs:
// `node cold.mjs wasm|plain SIM_URL ACTION_ID` prints one JSON line of
// milliseconds, counted from when this script starts running.
//   wasm:  read the module, compile it, instantiate it, first cancel's result;
//   plain: the same cancel written by hand in JS (fetch + JSON.parse).

import { performance } from "node:perf_hooks";
import { COMMENT, plainJsCancel, TOKEN } from "./plain.mjs";

const [mode, sim, id] = process.argv.slice(2);
const start = performance.now();
const since = () => performance.now() - start;
const times = {};

if (mode === "wasm") {
  const { readFile } = await import("node:fs/promises");
  const pkg = await import("../../pkg/mde_machine_actions.js");
  const bytes = await readFile(new URL("../../pkg/mde_machine_actions_bg.wasm", import.meta.url));
  times.loaded = since();
  let at = performance.now();
  const module = new WebAssembly.Module(bytes);
  times.compile = performance.now() - at;
  at = performance.now();
  pkg.initSync({ module });
  times.instantiate = performance.now() - at;
  const result = await pkg.cancelMachineAction({ machineActionId: id, comment: COMMENT, token: TOKEN, baseUrl: sim, quota: false });
  if (result.json_body.status !== "Cancelled") throw new Error("not cancelled");
} else {
  times.loaded = since();
  const result = await plainJsCancel(sim, id);
  if (result.json_body.status !== "Cancelled") throw new Error("not cancelled");
}
times.first_result = since();
console.log(JSON.stringify(times));
