// Runs the conformance suite in the runtime executing this file: Node
// (`node host.mjs`), Deno (`deno run --allow-net=127.0.0.1 --allow-read host.mjs`)
// or Bun (`bun --no-install run host.mjs`). All load the server build,
// pkg-edge/, the way a server would: initSync with the module bytes.

import { readFile } from "node:fs/promises";
import process from "node:process";
import * as pkg from "../../pkg-edge/mde_machine_actions.js";
import { runSuite } from "../conformance/suite.mjs";
import { parseArgs, report } from "./report.mjs";

const args = parseArgs(process.argv.slice(2));
const runtime = typeof Bun !== "undefined" ? `Bun ${Bun.version}` : typeof Deno !== "undefined" ? "Deno" : "Node";
const { memory } = pkg.initSync({ module: await readFile(new URL("../../pkg-edge/mde_machine_actions_bg.wasm", import.meta.url)) });
const results = await runSuite({ pkg, memory, sim: args.sim, secret: args.secret, refused: args.refused, only: args.only });
process.exit(report(runtime, results));
