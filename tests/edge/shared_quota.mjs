#!/usr/bin/env node
// The edge Worker's shared Defender quota (the DefenderQuota Durable Object, edge/quota.mjs)
// in real workerd against one simulator whose quota is scaled down to 50 calls per 4 s:
//
//   node tests/edge/shared_quota.mjs --sim-bin target/debug/mde-sim
//
// One workerd runs: "east" and "west", two Workers sharing east's DefenderQuota namespace (as
// two isolates share one object on Cloudflare); "solo1" and "solo2", the same Worker without
// the binding (one budget per isolate, the design before the object); "stranded", bound to a
// stand-in object that fails every call. Prints `ok - quota: …` lines, measured figures as
// `# …` lines, then `N passed, M failed`.

import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { freePort, parseArgs, simControl, startSim, waitForHttp, PENDING_AV_SCAN, PENDING_COLLECT, PENDING_ISOLATE } from "../support.mjs";
import { assert, eq, suite } from "./harness.mjs";
import { ROOT, startWorkerd, writeConfig } from "./workerd.mjs";

const { test, fail, finish, children } = suite("quota", 150_000);
const args = parseArgs(process.argv.slice(2));
const simBin = resolve(args["sim-bin"] ?? `${ROOT}/target/debug/mde-sim`);

const QUOTA = { calls: 50, windowMs: 4_000 };
const BURST = 300;
/** The server lets `calls` through per window: the last batch cannot start before this. */
const LOWER_BOUND_MS = (Math.ceil(BURST / QUOTA.calls) - 1) * QUOTA.windowMs;
/** The stranded Worker's limits; it falls back to a quarter of them: 2 calls a second. */
const STRANDED_QUOTA = "8/1000";
const FALLBACK = { calls: 2, windowMs: 1_000 };

const PROXY_KEY = `quota-proxy-key-${randomBytes(12).toString("hex")}`;
const TENANT = "0d2c9a41-5e6f-4b7a-8c9d-0e1f2a3b4c5d";
const CLIENT_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const SECRET = `quota-client-secret-${randomBytes(12).toString("hex")}`;
const output = [];

const json = async (r) => {
  const text = await r.text();
  return text ? JSON.parse(text) : null;
};

try {
  const started = await startSim(simBin, [
    "--max-lifetime-secs", "300", "--quota", `${QUOTA.calls}/${QUOTA.windowMs}`,
    "--entra-tenant", TENANT, "--entra-client-id", CLIENT_ID, "--entra-client-secret", SECRET,
  ]);
  const { child: simChild, url: SIM } = started;
  children.push(simChild);
  const sim = (method, path, body) => simControl(started, method, path.replace(/^\/_sim/, ""), body);
  const resetQuota = (limits = [QUOTA]) => sim("PUT", "/_sim/quota", { limits: limits.map((l) => ({ calls: l.calls, window_ms: l.windowMs })) });

  const env = (quota) => ({
    PROXY_API_KEY: PROXY_KEY, TENANT_ID: TENANT, CLIENT_ID, CLIENT_SECRET: SECRET,
    MDE_BASE_URL: SIM, ENTRA_AUTHORITY_URL: SIM, MDE_TIMEOUT_MS: "30000", MDE_QUOTA: quota,
  });
  const shared = `${QUOTA.calls}/${QUOTA.windowMs}`;
  const ports = {};
  for (const name of ["east", "west", "solo1", "solo2", "stranded"]) ports[name] = await freePort();
  const config = writeConfig({
    dir: `${ROOT}/target/edge-quota-test`,
    workers: [
      { name: "east", port: ports.east, env: env(shared), objects: "DefenderQuota", quota: { className: "DefenderQuota" } },
      { name: "west", port: ports.west, env: env(shared), quota: { className: "DefenderQuota", service: "east" } },
      { name: "solo1", port: ports.solo1, env: env(shared) },
      { name: "solo2", port: ports.solo2, env: env(shared) },
      {
        name: "unreachable", env: {}, objects: "DefenderQuota",
        modules: { "unreachable_quota.mjs": { esModule: `${ROOT}/tests/edge/unreachable_quota.mjs` } },
      },
      { name: "stranded", port: ports.stranded, env: env(STRANDED_QUOTA), quota: { className: "DefenderQuota", service: "unreachable" } },
    ],
  });
  const workerd = startWorkerd(config, "pipe");
  children.push(workerd);
  workerd.stdout.on("data", (d) => output.push(String(d)));
  workerd.stderr.on("data", (d) => output.push(String(d)));
  const W = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`]));
  for (const base of Object.values(W)) await waitForHttp(`${base}/`, { alive: () => workerd.exitCode === null });

  const headers = { Authorization: `Bearer ${PROXY_KEY}`, "Content-Type": "application/json" };
  const cancel = (base, id) =>
    fetch(`${base}/api/machineactions/${id}/cancel`, { method: "POST", headers, body: JSON.stringify({ Comment: "bulk cancel" }) })
      .then(async (r) => ({ status: r.status, body: await json(r) }));
  const get = (base, id) => fetch(`${base}/api/machineactions/${id}`, { headers }).then(async (r) => ({ status: r.status, body: await json(r) }));
  /** Seeds `n` Pending actions and cancels them all at once, alternating between `bases`. */
  const burst = async (prefix, bases) => {
    const ids = Array.from({ length: BURST }, (_, i) => `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`);
    await Promise.all(ids.map((id) => sim("PUT", `/_sim/actions/${id}`, { type: "Isolate", status: "Pending" })));
    await resetQuota();
    const started = Date.now();
    const results = await Promise.all(ids.map((id, i) => cancel(bases[i % bases.length], id)));
    return { ms: Date.now() - started, results, rejected: (await sim("GET", "/_sim/quota")).rejected };
  };
  const count = (results, status) => results.filter((r) => r.status === status).length;

  // Each isolate fetches its Entra token first, so the bursts time the quota alone.
  for (const base of Object.values(W)) eq((await get(base, PENDING_COLLECT)).status, 200, `warm-up GET through ${base}`);

  await test(`${BURST} cancels split across two isolates sharing the object: zero 429s, within 1.1x of the lower bound`, async () => {
    const { ms, results, rejected } = await burst("d0000000", [W.east, W.west]);
    console.log(`# shared object: ${BURST} cancels in ${ms} ms; lower bound ${LOWER_BOUND_MS} ms (${QUOTA.calls} per ${QUOTA.windowMs} ms): ${(ms / LOWER_BOUND_MS).toFixed(3)}x; simulator's 429s: ${rejected}`);
    eq(rejected, 0, "requests the simulator answered 429");
    eq(count(results, 200), BURST, `cancels answered 200 (others: ${JSON.stringify(results.find((r) => r.status !== 200))})`);
    assert(results.every((r) => r.body?.status === "Cancelled"), "every action reads Cancelled");
    assert(ms >= LOWER_BOUND_MS, `took ${ms} ms, less than the lower bound: the simulator's quota did not hold`);
    assert(ms <= 1.1 * LOWER_BOUND_MS, `took ${ms} ms, more than 1.1 x ${LOWER_BOUND_MS} ms`);
  });

  await test("the same burst across two isolates without the object (one budget each) draws 429s", async () => {
    const { ms, results, rejected } = await burst("d1000000", [W.solo1, W.solo2]);
    console.log(`# one budget per isolate: ${BURST} cancels in ${ms} ms; simulator's 429s: ${rejected}; answered 429: ${count(results, 429)}, 200: ${count(results, 200)}`);
    assert(rejected > 0, "the simulator answered some requests 429");
    assert(count(results, 429) > 0, "some cancels were answered 429");
  });

  await resetQuota();
  /** One isolate's GET draws a 429 with Retry-After: 2; how long the other's next GET takes. */
  const afterRetryAfter = async (first, second) => {
    await sim("POST", "/_sim/faults", {
      method: "GET", path_contains: PENDING_ISOLATE, status: 429, headers: { "Retry-After": "2" },
      json: { error: { code: "TooManyRequests", message: "Rate limit is exceeded. Try again in 2 seconds." } },
    });
    eq((await get(first, PENDING_ISOLATE)).status, 429, "the first isolate's GET");
    const started = Date.now();
    eq((await get(second, PENDING_AV_SCAN)).status, 200, "the other isolate's GET");
    return Date.now() - started;
  };

  await test("a Retry-After seen by one isolate holds the other (GET, Retry-After: 2)", async () => {
    const ms = await afterRetryAfter(W.east, W.west);
    console.log(`# west's GET after east's Retry-After: 2 took ${ms} ms`);
    assert(ms >= 1_500, `west waited ${ms} ms, not the pause`);
    assert(ms < 6_000, `west waited ${ms} ms`);
  });

  await test("without the object, the other isolate does not know of the Retry-After", async () => {
    const ms = await afterRetryAfter(W.solo1, W.solo2);
    assert(ms < 1_000, `solo2 took ${ms} ms`);
  });

  await test("with the object unreachable, calls still go through at the fallback pace, and the log says so", async () => {
    await resetQuota();
    const n = 6;
    const bound = (Math.ceil(n / FALLBACK.calls) - 1) * FALLBACK.windowMs;
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: n }, () => get(W.stranded, PENDING_AV_SCAN)));
    const ms = Date.now() - started;
    console.log(`# unreachable object: ${n} GETs at the fallback pace (${FALLBACK.calls} per ${FALLBACK.windowMs} ms) in ${ms} ms; lower bound ${bound} ms`);
    eq(results.map((r) => r.status), Array(n).fill(200), "statuses");
    eq((await sim("GET", "/_sim/quota")).rejected, 0, "requests the simulator answered 429");
    assert(ms >= bound, `took ${ms} ms: faster than ${FALLBACK.calls} per ${FALLBACK.windowMs} ms`);
    assert(ms <= 2 * bound + 2_000, `took ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200)); // let workerd flush
    const lines = output.join("").split("\n").filter((l) => l.includes('"quota_fallback"'));
    // One line when the warm-up found the object gone, one when these calls did: not one per call.
    assert(lines.length >= 1 && lines.length <= 2, `${lines.length} quota_fallback log lines`);
    const entry = JSON.parse(lines[0].slice(lines[0].indexOf("{")));
    assert(/unreachable/.test(entry.detail) && /overloaded/.test(entry.detail), `the line says why: ${entry.detail}`);
    assert(/2\/1000 ms/.test(entry.detail), `the line says the fallback budget: ${entry.detail}`);
    assert(!output.join("").includes(SECRET) && !output.join("").includes(PROXY_KEY), "no secret in the log");
  });
} catch (e) {
  fail("the suite could run", e, output.join("").split("\n").slice(-20).map((l) => `workerd: ${l}`));
}

finish();
