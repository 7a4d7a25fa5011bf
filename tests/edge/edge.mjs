#!/usr/bin/env node
// The edge Worker (edge/worker.mjs) in real workerd against the simulator (mde-sim, both
// the Defender API and its Entra token endpoint):
//
//   node tests/edge/edge.mjs --sim-bin target/debug/mde-sim
//
// Starts two simulators (one issuing normal tokens, one issuing tokens that are already
// "expiring" for the provider) and one workerd serving three Workers: "main", "badsecret"
// (a wrong client secret) and "short" (against the short-lived-token simulator). Prints
// `ok - edge: <name>` / `not ok - edge: <name>` with indented detail, then
// `N passed, M failed`; exits 0 only if every test passed. Kills its children on exit.

import { readFileSync } from "node:fs";
import {
  freePort, loggedBearer, parseArgs, simControl, startSim as startSimulator, waitForHttp,
  PENDING_AV_SCAN, PENDING_COLLECT, PENDING_ISOLATE, PENDING_LIVE_RESPONSE, SUCCEEDED,
} from "../support.mjs";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { assert, eq, suite } from "./harness.mjs";
import { ROOT, writeConfig, startWorkerd } from "./workerd.mjs";

const { test, fail, finish, children } = suite("edge", 180_000);
const simBin = resolve(parseArgs(process.argv.slice(2))["sim-bin"] ?? `${ROOT}/target/debug/mde-sim`);

// Values that must never show up in a log line, a response body or a response header.
const hex = (n) => randomBytes(n).toString("hex");
const PROXY_KEY = `edge-proxy-key-${hex(12)}`;
const TENANT = "0d2c9a41-5e6f-4b7a-8c9d-0e1f2a3b4c5d";
const CLIENT_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const SECRET = `edge-client-secret-${hex(12)}`;
const WRONG_SECRET = `edge-wrong-secret-${hex(12)}`;
const ALLOWED = "https://soc.contoso.example";
const OTHER_ORIGIN = "https://evil.example";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const output = []; // workerd stdout + stderr
const seen = []; // every response from the Worker: {what, status, headers, text}
const simSecrets = new Map(); // simulator URL → its control secret

/** A simulator with this suite's app registration; its URL once it listens. */
async function startSim(extra) {
  const { child, url, secret } = await startSimulator(simBin, [
    "--max-lifetime-secs", "600",
    "--entra-tenant", TENANT, "--entra-client-id", CLIENT_ID, "--entra-client-secret", SECRET, ...extra,
  ]);
  children.push(child);
  simSecrets.set(url, secret);
  return url;
}

async function call(base, method, path, { headers = {}, body, what } = {}) {
  const r = await fetch(`${base}${path}`, { method, headers, body, redirect: "manual" });
  const text = await r.text();
  const hs = Object.fromEntries(r.headers);
  seen.push({ what: what ?? `${method} ${path}`, status: r.status, headers: hs, text });
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON; tests that care check text
  }
  return { status: r.status, headers: hs, text, json };
}

/** `path` is under /_sim. */
const sim = (base, method, path, body) =>
  simControl({ url: base, secret: simSecrets.get(base) }, method, path.replace(/^\/_sim/, ""), body);

function odataError(r, status, code) {
  eq(r.status, status, `status (body ${r.text.slice(0, 300)})`);
  assert(r.json?.error && typeof r.json.error.message === "string", `OData error body expected, got ${r.text.slice(0, 300)}`);
  if (code) eq(r.json.error.code, code, "error.code");
  assert(typeof r.json.error.target === "string" && r.json.error.target.length > 0, "error.target is set");
}

// ---------------------------------------------------------------------------------------

let simMain;
let simShort;
let workerd;
try {
  const pkgDts = readFileSync(`${ROOT}/pkg-edge/mde_machine_actions.d.ts`, "utf8");
  const pkgHasProvider = /\bClientCredentials\b/.test(pkgDts);
  if (!pkgHasProvider) console.log("# pkg-edge/ has no ClientCredentials: the tests that need a token will fail");

  [simMain, simShort] = await Promise.all([
    startSim([]),
    startSim(["--token-lifetime-secs", "200"]), // inside the provider's 300 s refresh margin
  ]);
  const [pMain, pBad, pShort] = [await freePort(), await freePort(), await freePort()];
  const common = {
    PROXY_API_KEY: PROXY_KEY,
    TENANT_ID: TENANT,
    CLIENT_ID,
    CLIENT_SECRET: SECRET,
    ALLOWED_ORIGINS: `${ALLOWED}, https://other-portal.example`,
    MDE_TIMEOUT_MS: "3000",
  };
  const config = writeConfig({
    dir: `${ROOT}/target/edge-test`,
    workers: [
      { name: "main", port: pMain, env: { ...common, MDE_BASE_URL: simMain, ENTRA_AUTHORITY_URL: simMain } },
      { name: "badsecret", port: pBad, env: { ...common, CLIENT_SECRET: WRONG_SECRET, MDE_BASE_URL: simMain, ENTRA_AUTHORITY_URL: simMain } },
      { name: "short", port: pShort, env: { ...common, MDE_BASE_URL: simShort, ENTRA_AUTHORITY_URL: simShort } },
    ],
  });
  workerd = startWorkerd(config, "pipe");
  children.push(workerd);
  workerd.stdout.on("data", (d) => output.push(String(d)));
  workerd.stderr.on("data", (d) => output.push(String(d)));
  const W = `http://127.0.0.1:${pMain}`;
  const WBAD = `http://127.0.0.1:${pBad}`;
  const WSHORT = `http://127.0.0.1:${pShort}`;
  for (const port of [pMain, pBad, pShort]) {
    await waitForHttp(`http://127.0.0.1:${port}/`, { alive: () => workerd.exitCode === null });
  }

  const auth = { Authorization: `Bearer ${PROXY_KEY}` };
  const cancel = (base, id, comment, extra = {}) =>
    call(base, "POST", `/api/machineactions/${id}/cancel`, {
      headers: { ...auth, "Content-Type": "application/json", ...extra },
      body: JSON.stringify({ Comment: comment }),
    });
  const entra = (base) => sim(base, "GET", "/_sim/entra");
  const apiRequests = async (base) => (await sim(base, "GET", "/_sim/requests")).filter((r) => r.path.startsWith("/api"));

  // --- requests refused before anything goes upstream --------------------------------

  await test("a missing or wrong proxy key gets 401 and nothing reaches the simulator", async () => {
    const cases = [
      {},
      { Authorization: "Bearer wrong-key" },
      { Authorization: `Bearer ${PROXY_KEY}x` },
      { Authorization: `Bearer ${PROXY_KEY.slice(0, -1)}` },
      { Authorization: PROXY_KEY },
      { Authorization: `Basic ${Buffer.from(`u:${PROXY_KEY}`).toString("base64")}` },
      { Authorization: "Bearer " },
    ];
    for (const headers of cases) {
      for (const [method, path] of [["GET", `/api/machineactions/${PENDING_ISOLATE}`], ["POST", `/api/machineactions/${PENDING_ISOLATE}/cancel`]]) {
        const r = await call(W, method, path, { headers: { ...headers, "Content-Type": "application/json" }, body: method === "POST" ? '{"Comment":"x"}' : undefined });
        odataError(r, 401, "Unauthorized");
        assert(UUID.test(r.json.error.target), `target is a fresh correlation id: ${r.json.error.target}`);
      }
    }
    eq(await apiRequests(simMain), [], "requests that reached the simulator's API");
    eq(await entra(simMain), { token_requests: 0, issued: 0 }, "Entra counters");
  });

  await test("an allowed origin gets CORS headers, another none; preflight 204 vs 403", async () => {
    const ok = await call(W, "GET", `/api/machineactions/${PENDING_ISOLATE}`, { headers: { Origin: ALLOWED } });
    eq(ok.status, 401, "status without a key");
    eq(ok.headers["access-control-allow-origin"], ALLOWED, "Access-Control-Allow-Origin");
    assert(/\bOrigin\b/.test(ok.headers.vary ?? ""), `Vary: Origin, got ${ok.headers.vary}`);
    for (const h of ["mise-correlation-id", "request-id", "client-request-id", "Retry-After", "OData-Version"]) {
      assert((ok.headers["access-control-expose-headers"] ?? "").includes(h), `exposes ${h}: ${ok.headers["access-control-expose-headers"]}`);
    }
    const other = await call(W, "GET", `/api/machineactions/${PENDING_ISOLATE}`, { headers: { Origin: OTHER_ORIGIN } });
    eq(other.headers["access-control-allow-origin"], undefined, "no Allow-Origin for another origin");
    eq(other.headers["access-control-expose-headers"], undefined, "no Expose-Headers for another origin");
    const preflight = (origin) =>
      call(W, "OPTIONS", `/api/machineactions/${PENDING_ISOLATE}/cancel`, {
        headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
      });
    const pre = await preflight(ALLOWED);
    eq(pre.status, 204, "preflight status");
    eq(pre.headers["access-control-allow-origin"], ALLOWED, "preflight Allow-Origin");
    eq(pre.headers["access-control-allow-methods"], "GET, POST", "Allow-Methods");
    eq(pre.headers["access-control-allow-headers"], "Authorization, Content-Type, Accept", "Allow-Headers");
    eq(pre.headers["access-control-max-age"], "600", "Max-Age");
    const bad = await preflight(OTHER_ORIGIN);
    eq(bad.status, 403, "preflight from another origin");
    eq(bad.headers["access-control-allow-origin"], undefined, "no Allow-Origin on the refused preflight");
    const none = await call(W, "OPTIONS", `/api/machineactions/${PENDING_ISOLATE}`, {});
    eq(none.status, 403, "preflight without an Origin");
    eq(await apiRequests(simMain), [], "requests that reached the simulator's API");
  });

  await test("other paths get 404 and other methods 405, as OData errors", async () => {
    for (const path of ["/", "/api/machines/x/y", "/api/machineactionsx", `/api/machineactions/${PENDING_ISOLATE}/run`, "/_sim/reset"]) {
      odataError(await call(W, "GET", path, { headers: auth }), 404, "ResourceNotFound");
    }
    const r = await call(W, "DELETE", `/api/machineactions/${PENDING_ISOLATE}`, { headers: auth });
    odataError(r, 405, "MethodNotAllowed");
    eq(r.headers.allow, "GET", "Allow");
    const r2 = await call(W, "GET", `/api/machineactions/${PENDING_ISOLATE}/cancel`, { headers: auth });
    odataError(r2, 405, "MethodNotAllowed");
    eq(r2.headers.allow, "POST", "Allow");
    eq(await apiRequests(simMain), [], "requests that reached the simulator's API");
  });

  await test("bad requests are refused before anything goes upstream (400, 413)", async () => {
    const post = (id, body, extra = {}) =>
      call(W, "POST", `/api/machineactions/${id}/cancel`, { headers: { ...auth, "Content-Type": "application/json", ...extra }, body });
    odataError(await post(PENDING_ISOLATE, "not json"), 400, "InvalidRequestBody");
    odataError(await post(PENDING_ISOLATE, "[1]"), 400, "InvalidRequestBody");
    odataError(await post(PENDING_ISOLATE, '{"comment":"lower-case key"}'), 400, "MissingRequiredParameter");
    odataError(await post(PENDING_ISOLATE, JSON.stringify({ Comment: "x".repeat(20_000) })), 413, "RequestEntityTooLarge");
    odataError(await post(PENDING_ISOLATE, '{"Comment":"   "}'), 400, "InvalidInput");
    odataError(await post(PENDING_ISOLATE, JSON.stringify({ Comment: "x".repeat(1001) })), 400, "InvalidInput");
    odataError(await post("not-a-guid", '{"Comment":"ok"}'), 400, "InvalidInput");
    odataError(await post("%E0%A4%A", '{"Comment":"ok"}'), 400, "InvalidInput");
    odataError(await call(W, "GET", "/api/machineactions/1234", { headers: auth }), 400, "InvalidInput");
    eq(await apiRequests(simMain), [], "requests that reached the simulator's API");
    eq(await entra(simMain), { token_requests: 0, issued: 0 }, "Entra counters (no token fetched for bad input)");
  });

  // --- through to the simulator -----------------------------------------------------

  await test("listings pass through only with a filter the package writes, every page read, no upstream link", async () => {
    await sim(simMain, "POST", "/_sim/reset");
    await sim(simMain, "PUT", "/_sim/paging", { page_size: 1 });
    const q = (filter, top) => `$filter=${encodeURIComponent(filter)}${top ? `&$top=${top}` : ""}`;
    const r = await call(W, "GET", `/api/machineactions?${q("status eq 'Pending'", 3)}`, { headers: auth });
    eq(r.status, 200, `status (${r.text.slice(0, 300)})`);
    eq(r.json.value.length, 3, "three actions, over three upstream pages");
    assert(r.json.value.every((a) => a.status === "Pending"), "all Pending");
    assert(!("@odata.nextLink" in r.json), "no link to the upstream host");
    assert(r.json["@odata.context"].startsWith(W), "context on the Worker's origin");
    const upstream = await apiRequests(simMain);
    eq(upstream.filter((x) => x.path === "/api/machineactions").length, 3, "pages read upstream");
    eq(decodeURIComponent(upstream.find((x) => x.path === "/api/machineactions").query), "$filter=status eq 'Pending'&$top=4", "forwarded query (one more than asked, to know whether more were left)");
    const machines = await call(W, "GET", `/api/machines?${q("startswith(computerDnsName,'desktop-fin')")}`, { headers: auth });
    eq(machines.status, 200, `machines status (${machines.text.slice(0, 300)})`);
    assert(machines.json.value.length > 0 && machines.json.value.every((m) => /^desktop-fin/i.test(m.computerDnsName)), "devices");
    await sim(simMain, "DELETE", "/_sim/requests");
    for (const path of [
      `/api/machineactions?${q("status ne 'Pending'")}`,
      `/api/machineactions?${q("status eq 'Pending' or 1 eq 1")}`,
      `/api/machineactions?${q("status eq 'Pending'")}&$orderby=id`,
      `/api/machineactions?${q("status eq 'Pending'")}&${q("status eq 'Failed'")}`,
      `/api/machineactions?${q("status eq 'Pending'", "ten")}`,
      "/api/machines",
      `/api/machines?${q("id eq 'x'")}`,
    ]) {
      odataError(await call(W, "GET", path, { headers: auth }), 400, "InvalidInput");
    }
    odataError(await call(W, "GET", `/api/machineactions?${q("status eq 'Pending'")}`), 401, "Unauthorized");
    eq(await apiRequests(simMain), [], "requests that reached the simulator's API");
    // Not a reset: that would also forget the token the Worker holds.
    await sim(simMain, "PUT", "/_sim/paging", { page_size: 10_000 });
  });

  await test("20 cancels in a row (and every refused request before) cost exactly 1 token request", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `e0e0e0e0-0000-4000-8000-${String(i).padStart(12, "0")}`);
    for (const id of ids) await sim(simMain, "PUT", `/_sim/actions/${id}`, { type: "Isolate", status: "Pending" });
    for (const id of ids) {
      const r = await cancel(W, id, `bulk ${id}`);
      eq(r.status, 200, `cancel ${id} (${r.text.slice(0, 300)})`);
      eq(r.json.status, "Cancelled", "status");
    }
    eq(await entra(simMain), { token_requests: 1, issued: 1 }, "Entra counters");
    const reqs = await apiRequests(simMain);
    eq(reqs.length, 20, `upstream requests: ${reqs.map((r) => `${r.method} ${r.path}?${r.query}`).join(", ").slice(0, 400)}`);
    eq(new Set(reqs.map((r) => r.headers.authorization)).size, 1, "distinct tokens sent");
    eq(reqs[0].token, "issued", "the token sent was issued by Entra");
  });

  await test("a cancel succeeds end to end and the action becomes Cancelled", async () => {
    await sim(simMain, "DELETE", "/_sim/requests");
    const r = await cancel(W, PENDING_ISOLATE, "Stuck isolation, cancelled via the edge", { Origin: ALLOWED });
    eq(r.status, 200, `status (${r.text.slice(0, 300)})`);
    eq(r.json.id, PENDING_ISOLATE, "id");
    eq(r.json.status, "Cancelled", "status");
    eq(r.json.cancellationComment, "Stuck isolation, cancelled via the edge", "cancellationComment");
    assert(r.headers["content-type"].startsWith("application/json"), "JSON content type");
    assert(UUID.test(r.headers["mise-correlation-id"] ?? ""), `mise-correlation-id passed through: ${r.headers["mise-correlation-id"]}`);
    assert(UUID.test(r.headers["request-id"] ?? ""), "request-id passed through");
    eq(r.headers["access-control-allow-origin"], ALLOWED, "CORS on success");
    const stored = await sim(simMain, "GET", `/_sim/actions/${PENDING_ISOLATE}`);
    eq(stored.status, "Cancelled", "stored status");
    eq(stored.cancellationComment, "Stuck isolation, cancelled via the edge", "stored comment");
    const [up] = await apiRequests(simMain);
    eq([up.method, up.path, up.body], ["POST", `/api/machineactions/${PENDING_ISOLATE}/cancel`, '{"Comment":"Stuck isolation, cancelled via the edge"}'], "upstream request");
    assert(up.headers.authorization !== loggedBearer(PROXY_KEY) && up.token === "issued", "the proxy key is not forwarded");
    const g = await call(W, "GET", `/api/machineactions/${SUCCEEDED}`, { headers: auth });
    eq([g.status, g.json?.id, g.json?.status], [200, SUCCEEDED, "Succeeded"], "GET");
  });

  await test("a second cancel through the Worker is Defender's 400, so a caller's package reads it as already cancelled", async () => {
    const again = await cancel(W, PENDING_ISOLATE, "again", { Origin: ALLOWED });
    odataError(again, 400, "BadRequest");
    assert(/already cancelled/.test(again.json.error.message), `message: ${again.json.error.message}`);
    const stored = await sim(simMain, "GET", `/_sim/actions/${PENDING_ISOLATE}`);
    eq(stored.cancellationComment, "Stuck isolation, cancelled via the edge", "the first cancel's comment is kept");
  });

  await test("Defender's 404, 403, 400 and 500 pass through with status, code and correlation id", async () => {
    const missing = "ffffffff-0000-4000-8000-000000000404";
    const r404 = await call(W, "GET", `/api/machineactions/${missing}`, { headers: { ...auth, Origin: ALLOWED } });
    odataError(r404, 404, "ResourceNotFound");
    eq(r404.headers["mise-correlation-id"], r404.json.error.target, "mise-correlation-id = target");
    eq(r404.headers["access-control-allow-origin"], ALLOWED, "CORS on errors");
    const reqs = await apiRequests(simMain);
    assert(reqs.some((q) => q.path === `/api/machineactions/${missing}`), "the 404 came from the simulator");

    await sim(simMain, "POST", "/_sim/faults", {
      method: "POST", path_contains: PENDING_AV_SCAN, status: 403,
      headers: { "mise-correlation-id": "c0ffee00-0000-4000-8000-000000000403" },
      json: { error: { code: "Forbidden", message: "The application does not have any of the required permissions (Machine.Scan)", target: "c0ffee00-0000-4000-8000-000000000403" } },
    });
    const r403 = await cancel(W, PENDING_AV_SCAN, "no permission");
    odataError(r403, 403, "Forbidden");
    eq(r403.json.error.target, "c0ffee00-0000-4000-8000-000000000403", "target");
    assert(r403.json.error.message.includes("Machine.Scan"), `message kept: ${r403.json.error.message}`);

    const r400 = await cancel(W, SUCCEEDED, "already done");
    odataError(r400, 400, "BadRequest");
    assert(r400.json.error.message.includes("Succeeded"), `message: ${r400.json.error.message}`);

    await sim(simMain, "POST", "/_sim/faults", { method: "GET", status: 500, json: { error: { code: "InternalServerError", message: "boom", target: "c0ffee00-0000-4000-8000-000000000500" } } });
    const r500 = await call(W, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, { headers: auth });
    odataError(r500, 500, "InternalServerError");
    eq(r500.json.error.target, "c0ffee00-0000-4000-8000-000000000500", "target");
  });

  await test("a dropped connection gives 502 and a hung Defender 504 (MDE_TIMEOUT_MS 3000)", async () => {
    // times 0: workerd retries a GET once on a connection closed without an answer.
    await sim(simMain, "POST", "/_sim/faults", { method: "GET", mode: "drop", times: 0 });
    odataError(await call(W, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, { headers: auth }), 502, "BadGateway");
    await sim(simMain, "DELETE", "/_sim/faults");
    await sim(simMain, "POST", "/_sim/faults", { method: "GET", mode: "hang" });
    const t0 = Date.now();
    odataError(await call(W, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, { headers: auth }), 504, "GatewayTimeout");
    assert(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    await sim(simMain, "DELETE", "/_sim/faults");
  });

  await test("after /_sim/entra/expire the next call gets a fresh token: exactly one more token request", async () => {
    const before = await entra(simMain);
    await sim(simMain, "DELETE", "/_sim/requests");
    await sim(simMain, "POST", "/_sim/entra/expire");
    const r = await cancel(W, PENDING_LIVE_RESPONSE, "after expiry");
    eq(r.status, 200, `status (${r.text.slice(0, 300)})`);
    eq(r.json.status, "Cancelled", "status");
    const after = await entra(simMain);
    eq(after.token_requests - before.token_requests, 1, "more token requests");
    const reqs = await apiRequests(simMain);
    eq(reqs.length, 2, "upstream requests (the refused one, then the retry)");
    assert(reqs[0].headers.authorization !== reqs[1].headers.authorization, "the retry used a new token");
    const r2 = await call(W, "GET", `/api/machineactions/${PENDING_LIVE_RESPONSE}`, { headers: auth });
    eq(r2.status, 200, "next call");
    eq((await entra(simMain)).token_requests, after.token_requests, "no further token request");
  });

  await test("a token the provider considers expiring (200 s lifetime, 300 s margin) is refreshed on the next call", async () => {
    const g = (id) => call(WSHORT, "GET", `/api/machineactions/${id}`, { headers: auth });
    eq((await g(PENDING_COLLECT)).status, 200, "first call");
    eq((await entra(simShort)).token_requests, 1, "token requests after the first call");
    eq((await g(PENDING_COLLECT)).status, 200, "second call");
    eq((await entra(simShort)).token_requests, 2, "token requests after the second call");
  });

  await test("Defender's 429 passes through with Retry-After; the isolate's client then holds back (429, nothing sent)", async () => {
    await sim(simShort, "DELETE", "/_sim/requests");
    await sim(simShort, "POST", "/_sim/faults", {
      method: "POST", path_contains: PENDING_AV_SCAN, status: 429, headers: { "Retry-After": "7" },
      json: { error: { code: "TooManyRequests", message: "Rate limit is exceeded. Try again in 7 seconds.", target: "c0ffee00-0000-4000-8000-000000000429" } },
    });
    const r429 = await cancel(WSHORT, PENDING_AV_SCAN, "too fast", { Origin: ALLOWED });
    odataError(r429, 429, "TooManyRequests");
    eq(r429.json.error.target, "c0ffee00-0000-4000-8000-000000000429", "target");
    eq(r429.headers["mise-correlation-id"], "c0ffee00-0000-4000-8000-000000000429", "mise-correlation-id");
    eq(r429.headers["retry-after"], "7", "Retry-After");
    assert(r429.headers["access-control-expose-headers"].includes("Retry-After"), "Retry-After exposed");
    eq((await apiRequests(simShort)).length, 1, "upstream requests (no retry by the proxy)");
    // Within Retry-After (7 s > MDE_TIMEOUT_MS 3 s) the client refuses without sending.
    const again = await cancel(WSHORT, PENDING_AV_SCAN, "again");
    odataError(again, 429, "TooManyRequests");
    eq((await apiRequests(simShort)).length, 1, "upstream requests after the held-back call");
  });

  await test("a wrong client secret gives a clear 502 UpstreamAuthenticationFailed without any secret", async () => {
    await sim(simMain, "DELETE", "/_sim/requests");
    const before = await entra(simMain);
    const r = await call(WBAD, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, { headers: { ...auth, Origin: ALLOWED } });
    odataError(r, 502, "UpstreamAuthenticationFailed");
    const m = r.json.error.message;
    assert(/entra/i.test(m) && /secret/i.test(m), `the message says what to fix: ${m}`);
    assert(!m.includes(WRONG_SECRET) && !m.includes(SECRET), "no secret in the message");
    eq(r.headers["access-control-allow-origin"], ALLOWED, "CORS");
    eq(await apiRequests(simMain), [], "nothing reached the API");
    assert((await entra(simMain)).token_requests > before.token_requests, "Entra was asked");
    const cancelled = await call(WBAD, "POST", `/api/machineactions/${PENDING_AV_SCAN}/cancel`, { headers: { ...auth, "Content-Type": "application/json" }, body: '{"Comment":"x"}' });
    odataError(cancelled, 502, "UpstreamAuthenticationFailed");
    eq((await sim(simMain, "GET", `/_sim/actions/${PENDING_AV_SCAN}`)).status, "Pending", "the action is untouched");
  });

  await test("one structured JSON log line per request, with the documented fields", async () => {
    await new Promise((r) => setTimeout(r, 300)); // let workerd flush
    const lines = output.join("").split("\n").filter((l) => l.includes('"duration_ms"'));
    const logs = lines.map((l) => JSON.parse(l.slice(l.indexOf("{"))));
    assert(logs.length >= seen.length, `${logs.length} log lines for ${seen.length} requests`);
    const keys = ["time", "origin", "method", "path", "auth", "user", "oid", "action_id", "comment", "filter", "listed", "outcome", "status", "correlation_id", "duration_ms"];
    for (const l of logs) eq(Object.keys(l), keys, "log keys");
    const ok = logs.find((l) => l.comment === "Stuck isolation, cancelled via the edge");
    assert(ok, "the cancel was logged with its comment");
    eq([ok.outcome, ok.status, ok.action_id, ok.origin, ok.method], ["ok", 200, PENDING_ISOLATE, ALLOWED, "POST"], "cancel log line");
    assert(UUID.test(ok.correlation_id), "correlation id logged");
    assert(logs.some((l) => l.outcome === "rate_limited" && l.status === 429), "a rate_limited line");
    assert(logs.some((l) => l.outcome === "unauthorized" && l.status === 401), "an unauthorized line");
  });

  await test("no token, proxy key or client secret in any log line, response body or header", async () => {
    // Issued tokens are `sim-at-<hex>`: caught by their shape below.
    const needles = [PROXY_KEY, SECRET, WRONG_SECRET];
    const logText = output.join("");
    const hits = [];
    for (const n of needles) {
      const label = n === PROXY_KEY ? "proxy key" : "client secret";
      if (logText.includes(n)) hits.push(`${label} in workerd output`);
      for (const s of seen) {
        if (s.text.includes(n)) hits.push(`${label} in the body of ${s.what}`);
        for (const [h, v] of Object.entries(s.headers)) if (v.includes(n)) hits.push(`${label} in header ${h} of ${s.what}`);
      }
    }
    if (/sim-at-[0-9a-f]{8}/.test(logText) || seen.some((s) => /sim-at-[0-9a-f]{8}/.test(s.text + JSON.stringify(s.headers)))) {
      hits.push("something shaped like an issued token");
    }
    eq(hits, [], "leaks");
    assert(seen.length > 50, `scanned ${seen.length} responses`);
  });
} catch (e) {
  fail("the suite could run", e, output.join("").split("\n").slice(-20).map((line) => `workerd: ${line}`));
}

finish();
