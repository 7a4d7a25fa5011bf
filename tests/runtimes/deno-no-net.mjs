// Deno without --allow-net for the simulator's host: its fetch refuses to
// send, and the package must say so at once — invalid_input from the client,
// nothing sent, not retried — instead of retrying a "network failure".
//
//   deno run --no-prompt --allow-read=pkg-edge tests/runtimes/deno-no-net.mjs --sim URL
//
// No --allow-env either: the simulator's secret is not needed, since nothing
// can reach it. The other drivers' arguments (--refused, --only) are ignored.

import { readFile } from "node:fs/promises";
import process from "node:process";
import * as pkg from "../../pkg-edge/mde_machine_actions.js";
import { parseArgs } from "../support.mjs";
import { report } from "./report.mjs";

const { sim } = parseArgs(process.argv.slice(2));
pkg.initSync({ module: await readFile(new URL("../../pkg-edge/mde_machine_actions_bg.wasm", import.meta.url)) });
const host = new URL(sim).host;
const TOKEN = "sim-token";
const ID = "11111111-2222-4333-8444-555555555555";

/** The call's error, checked: this side's, final, nothing sent, quick, naming the grant. */
async function refused(call) {
  const started = Date.now();
  const error = await call().then(() => { throw new Error("the call succeeded"); }, (e) => e);
  const elapsed = Date.now() - started;
  const facts = JSON.stringify({ kind: error.kind, source: error.source, attempts: error.attempts, retryable: error.retryable, message: error.message });
  if (!(error instanceof pkg.MachineActionError)) throw error;
  if (error.kind !== "invalid_input" || error.source !== "client") throw new Error(`kind and source: ${facts}`);
  if (error.attempts !== 0 || error.retryable !== false) throw new Error(`attempts and retryable: ${facts}`);
  if (!error.message.includes(`--allow-net=${host}`)) throw new Error(`message: ${facts}`);
  if (error.message.includes(TOKEN)) throw new Error("the message holds the token");
  // Backoff alone would take 750 ms or more before a second try.
  if (elapsed > 500) throw new Error(`took ${elapsed} ms`);
}

const client = new pkg.MachineActionsClient({ token: TOKEN, baseUrl: sim, retries: 2 });
const tests = [
  ["a cancel Deno will not send is invalid_input at once, not retried or read back", () => refused(() => client.cancel(ID, "no permission"))],
  ["a get Deno will not send is invalid_input at once", () => refused(() => client.get(ID))],
  ["a token request Deno will not send is invalid_input too, not an Entra failure", () => refused(() => new pkg.MachineActionsClient({
    baseUrl: sim,
    token: new pkg.ClientCredentials({ tenantId: "00000000-0000-4000-8000-00000000a11d", clientId: "11111111-0000-4000-8000-00000000c11e", clientSecret: "sim-client-secret", authorityUrl: sim }),
  }).get(ID))],
];
const results = [];
for (const [name, test] of tests) {
  try {
    await test();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, detail: e?.stack ?? String(e) });
  }
}
process.exit(report("Deno without --allow-net", results));
