// Shared by the runtime drivers: command-line arguments and the report format
// that `cargo xtask test` counts (`ok - …`, `not ok - …`, then `N passed, N failed`).

import process from "node:process";
import { parseArgs as parseArgPairs } from "../support.mjs";

/**
 * The drivers' arguments: `--sim` and `--refused` URLs are required, and the simulator's
 * control secret comes in the environment (`MDE_SIM_SECRET`), never on a command line.
 */
export function parseArgs(argv) {
  const args = parseArgPairs(argv);
  for (const required of ["sim", "refused"]) {
    if (!args[required]) throw new Error(`missing --${required} URL`);
  }
  args.secret = process.env.MDE_SIM_SECRET;
  if (!args.secret) throw new Error("MDE_SIM_SECRET is not set (the simulator's control secret)");
  return args;
}

/** Prints one line per test and the count; returns the process exit code. */
export function report(runtime, results) {
  let failed = 0;
  for (const { name, ok, detail } of results) {
    if (ok) {
      console.log(`ok - ${runtime}: ${name}`);
    } else {
      failed += 1;
      console.log(`not ok - ${runtime}: ${name}`);
      for (const line of String(detail).split("\n").slice(0, 6)) console.log(`    ${line}`);
    }
  }
  if (results.length === 0) failed += 1, console.log(`not ok - ${runtime}: no test ran`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
