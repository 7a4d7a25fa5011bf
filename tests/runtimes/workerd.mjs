// Runs the conformance suite inside real workerd (npm `workerd`): writes a
// config that binds the package as modules, starts workerd on a free loopback
// port, asks the Worker to run the suite, and stops workerd.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, report } from "./report.mjs";
import { freePort, waitForHttp } from "../support.mjs";

const args = parseArgs(process.argv.slice(2));
const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = `${root}target/workerd-conformance`;
mkdirSync(dir, { recursive: true });

const port = await freePort();
writeFileSync(`${dir}/config.capnp`, `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Loopback must be allowed explicitly for the Worker to reach the simulator.
    (name = "internet", network = (allow = ["public", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "../../tests/runtimes/workerd-worker.mjs"),
    (name = "mde_machine_actions.js", esModule = embed "../../pkg-edge/mde_machine_actions.js"),
    (name = "mde_machine_actions_bg.wasm", wasm = embed "../../pkg-edge/mde_machine_actions_bg.wasm"),
    (name = "suite.mjs", esModule = embed "../../tests/conformance/suite.mjs"),
    (name = "lists.mjs", esModule = embed "../../tests/conformance/lists.mjs"),
  ],
  compatibilityDate = "2025-09-01",
);
`);

const workerd = spawn(`${root}node_modules/.bin/workerd`, ["serve", `${dir}/config.capnp`], {
  stdio: ["ignore", "inherit", "inherit"],
});
const stop = () => workerd.kill("SIGTERM");
process.on("exit", stop);

let code = 1;
try {
  await waitForHttp(`http://127.0.0.1:${port}/ready`, { alive: () => workerd.exitCode === null });
  const query = new URLSearchParams({ sim: args.sim, refused: args.refused, ...(args.only ? { only: args.only } : {}) });
  // The secret travels in a header, not in the URL.
  const response = await fetch(`http://127.0.0.1:${port}/run?${query}`, { headers: { "x-sim-secret": args.secret } });
  if (!response.ok) throw new Error(`workerd answered ${response.status}: ${await response.text()}`);
  code = report("workerd", await response.json());
} catch (e) {
  console.log(`not ok - workerd: the suite could not run in workerd: ${e.message}`);
  console.log("0 passed, 1 failed");
} finally {
  stop();
}
process.exit(code);
