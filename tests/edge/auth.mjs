#!/usr/bin/env node
// The edge Worker's sign-in in real workerd: analysts' Entra ID access tokens, minted by the
// simulator (its OIDC provider signs them RS256 with a key made at start-up), verified by the
// Worker with jose against the simulator's JWKS; app roles; the person in Defender's comment
// and in the log; every kind of bad token refused with nothing sent upstream; key rotation.
//
//   node tests/edge/auth.mjs --sim-bin target/debug/mde-sim

import {
  freePort, parseArgs, simControl, startSim as startSimulator, waitForHttp,
  PENDING_AV_SCAN, PENDING_COLLECT, PENDING_ISOLATE, PENDING_LIVE_RESPONSE,
} from "../support.mjs";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { assert, eq, suite } from "./harness.mjs";
import { ROOT, writeConfig, startWorkerd } from "./workerd.mjs";

const { test, finish, children } = suite("edge sign-in", 180_000);
const simBin = resolve(parseArgs(process.argv.slice(2))["sim-bin"] ?? `${ROOT}/target/debug/mde-sim`);

const hex = (n) => randomBytes(n).toString("hex");
const PROXY_KEY = `auth-proxy-key-${hex(12)}`;
/** A proxy key that happens to look like a JWT must still work as a key. */
const DOTTED_KEY = `${hex(8)}.${hex(8)}.${hex(8)}`;
/** The page's registration (the simulator's default SPA client id): the `azp` of its tokens. */
const SPA = "22222222-0000-4000-8000-000000005fa0";
const TENANT = "0d2c9a41-5e6f-4b7a-8c9d-0e1f2a3b4c5d";
const CLIENT_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const SECRET = `auth-client-secret-${hex(12)}`;
/** The Worker's own app registration: the audience of the analysts' tokens. */
const API = "33333333-0000-4000-8000-0000000000a1";

const output = [];
const minted = [];

try {
  const { child, url: SIM, secret } = await startSimulator(simBin, [
    "--max-lifetime-secs", "600",
    "--entra-tenant", TENANT, "--entra-client-id", CLIENT_ID, "--entra-client-secret", SECRET,
    "--oidc-api-audience", API,
  ]);
  children.push(child);
  const sim = (method, path, body) => simControl({ url: SIM, secret }, method, path, body);
  const mint = async (fields) => {
    const { access_token: token } = await sim("POST", "/oidc/token", fields);
    minted.push(token);
    return token;
  };

  const [pFast, pSlow, pNoKey, pStrict] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    PROXY_API_KEY: PROXY_KEY, TENANT_ID: TENANT, CLIENT_ID, CLIENT_SECRET: SECRET,
    MDE_BASE_URL: SIM, ENTRA_AUTHORITY_URL: SIM, MDE_TIMEOUT_MS: "3000",
    AUTH_TENANT_ID: TENANT, AUTH_CLIENT_ID: API, AUTH_AUTHORITY: SIM,
  };
  const config = writeConfig({
    dir: `${ROOT}/target/edge-auth-test`,
    workers: [
      // "fast" refetches the keys whenever an unknown kid arrives; "slow" at most once a minute.
      { name: "fast", port: pFast, env: { ...env, AUTH_JWKS_COOLDOWN_MS: "0" } },
      { name: "slow", port: pSlow, env },
      { name: "nokey", port: pNoKey, env: { ...env, PROXY_API_KEY_DISABLED: "true" } },
      // Accepts tokens asked for by one other app only, not the page's.
      { name: "strict", port: pStrict, env: { ...env, PROXY_API_KEY: DOTTED_KEY, AUTH_ALLOWED_CLIENT_IDS: "44444444-0000-4000-8000-000000000000" } },
    ],
  });
  const workerd = startWorkerd(config, "pipe");
  children.push(workerd);
  workerd.stdout.on("data", (d) => output.push(String(d)));
  workerd.stderr.on("data", (d) => output.push(String(d)));
  for (const port of [pFast, pSlow, pNoKey, pStrict]) {
    await waitForHttp(`http://127.0.0.1:${port}/`, { alive: () => workerd.exitCode === null });
  }
  const FAST = `http://127.0.0.1:${pFast}`;
  const SLOW = `http://127.0.0.1:${pSlow}`;
  const NOKEY = `http://127.0.0.1:${pNoKey}`;
  const STRICT = `http://127.0.0.1:${pStrict}`;

  const call = async (base, method, path, token, body) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, text, json, headers: Object.fromEntries(r.headers) };
  };
  const cancel = (base, id, token, comment = "Stuck isolation") =>
    call(base, "POST", `/api/machineactions/${id}/cancel`, token, { Comment: comment });
  const upstream = async () => (await sim("GET", "/requests")).filter((r) => r.path.startsWith("/api"));
  const logs = () =>
    output.join("").split("\n").filter((l) => l.includes('"duration_ms"')).map((l) => JSON.parse(l.slice(l.indexOf("{"))));
  const settle = () => new Promise((r) => setTimeout(r, 300));

  await test("the operator cancels, and Defender's comment and the log name them", async () => {
    const token = await mint({ user: "operator" });
    const r = await cancel(FAST, PENDING_ISOLATE, token, "Stuck isolation, cancelled by the SOC");
    eq(r.status, 200, `status (${r.text.slice(0, 300)})`);
    const stored = await sim("GET", `/actions/${PENDING_ISOLATE}`);
    eq(stored.cancellationComment, "[operator@contoso.example] Stuck isolation, cancelled by the SOC", "the comment Defender keeps");
    await settle();
    const line = logs().find((l) => l.action_id === PENDING_ISOLATE && l.method === "POST");
    assert(line, "a log line for the cancel");
    eq([line.auth, line.user, line.outcome], ["user", "operator@contoso.example", "ok"], "who, in the log");
    assert(typeof line.oid === "string" && line.oid.length > 0, "oid logged");
  });

  await test("the reader can list and read but not cancel: 403 names the role, nothing goes upstream", async () => {
    const token = await mint({ user: "reader" });
    const list = await call(FAST, "GET", `/api/machineactions?$filter=${encodeURIComponent("status eq 'Pending'")}`, token);
    eq(list.status, 200, `list (${list.text.slice(0, 300)})`);
    assert(list.json.value.length > 0, "actions listed");
    eq((await call(FAST, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token)).status, 200, "get");
    await sim("DELETE", "/requests");
    const r = await cancel(FAST, PENDING_AV_SCAN, token);
    eq(r.status, 403, "cancel");
    eq(r.json.error.code, "Forbidden", "code");
    assert(r.json.error.message.includes("MachineActions.Cancel"), r.json.error.message);
    eq(await upstream(), [], "requests upstream");
  });

  await test("someone with no role gets 403 naming MachineActions.Read", async () => {
    const token = await mint({ user: "norole" });
    const r = await call(FAST, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token);
    eq(r.status, 403, "status");
    assert(r.json.error.message.includes("MachineActions.Read"), r.json.error.message);
  });

  await test("bad tokens are 401 and nothing goes upstream", async () => {
    await sim("DELETE", "/requests");
    const cases = {
      "another audience": { user: "operator", aud: "00000003-0000-0000-c000-000000000000" },
      "another issuer": { user: "operator", iss: "https://login.microsoftonline.com/someone-else/v2.0" },
      "expired": { user: "operator", exp_offset_secs: -3600 },
      "not yet valid": { user: "operator", nbf_offset_secs: 3600 },
      "signed by another key": { user: "operator", foreign_key: true },
      "alg none": { user: "operator", alg: "none" },
      "a tampered payload": { user: "reader", tamper: true },
      "another tenant": { user: "operator", tid: "11111111-2222-4333-8444-555555555555" },
      "no delegated scope (an app's own token)": { user: "operator", scp: "" },
      "another scope": { user: "operator", scp: "User.Read" },
    };
    for (const [what, fields] of Object.entries(cases)) {
      const r = await cancel(FAST, PENDING_COLLECT, await mint(fields));
      eq(r.status, 401, `${what}: status (${r.text.slice(0, 200)})`);
      eq(r.json.error.code, "InvalidAuthenticationToken", `${what}: code`);
      assert(/Bearer/.test(r.headers["www-authenticate"] ?? ""), `${what}: WWW-Authenticate`);
    }
    for (const garbage of ["", "not-a-token", "a.b.c", `${PROXY_KEY}x`]) {
      eq((await cancel(FAST, PENDING_COLLECT, garbage)).status, 401, `garbage ${JSON.stringify(garbage.slice(0, 12))}`);
    }
    eq(await upstream(), [], "requests upstream");
  });

  await test("a new signing key is picked up at once, but the keys are fetched at most once a minute", async () => {
    eq((await call(SLOW, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, await mint({ user: "reader" }))).status, 200, "slow, before");
    eq((await call(FAST, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, await mint({ user: "reader" }))).status, 200, "fast, before");
    const { kid } = await sim("POST", "/oidc/rotate");
    const token = await mint({ user: "reader" });
    eq(JSON.parse(Buffer.from(token.split(".")[0], "base64url")).kid, kid, "the new kid");
    eq((await call(FAST, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token)).status, 200, "fast, after rotation");
    const slow = await call(SLOW, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token);
    eq(slow.status, 401, "slow, within the minute");
    assert(slow.json.error.message.includes("key"), slow.json.error.message);
  });

  await test("AUTH_ALLOWED_CLIENT_IDS takes tokens only from the apps it lists; a key shaped like a JWT still works", async () => {
    const token = await mint({ user: "reader" });
    eq(JSON.parse(Buffer.from(token.split(".")[1], "base64url")).azp, SPA, "the token's app");
    const r = await call(STRICT, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token);
    eq(r.status, 401, "a token from an app not listed");
    assert(r.json.error.message.includes("azp"), r.json.error.message);
    eq((await call(FAST, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, token)).status, 200, "the same token where no list is set");
    eq((await call(STRICT, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, DOTTED_KEY)).status, 200, "the dotted key");
  });

  await test("the proxy key still serves automation, logged as key; a binding turns it off", async () => {
    const r = await cancel(FAST, PENDING_LIVE_RESPONSE, PROXY_KEY, "Automation");
    eq(r.status, 200, `status (${r.text.slice(0, 300)})`);
    eq((await sim("GET", `/actions/${PENDING_LIVE_RESPONSE}`)).cancellationComment, "Automation", "no person in the comment");
    await settle();
    const line = logs().find((l) => l.action_id === PENDING_LIVE_RESPONSE && l.method === "POST");
    eq([line.auth, line.user], ["key", null], "logged as key");
    eq((await cancel(NOKEY, PENDING_LIVE_RESPONSE, PROXY_KEY)).status, 401, "key mode off");
    eq((await call(NOKEY, "GET", `/api/machineactions/${PENDING_AV_SCAN}`, await mint({ user: "reader" }))).status, 200, "users still in");
  });

  await test("no token, key or secret in any log line", async () => {
    await settle();
    const text = output.join("");
    for (const secretValue of [PROXY_KEY, SECRET, ...minted.filter((t) => t.length > 20)]) {
      assert(!text.includes(secretValue), "a credential appeared in the Worker's output");
      // Any signature part alone would be a leak too.
      const part = secretValue.split(".").pop();
      if (part.length > 20) assert(!text.includes(part), "a token's signature appeared in the Worker's output");
    }
  });
} catch (e) {
  console.log(`not ok - edge sign-in: the suite could not run: ${e?.stack ?? e}`);
  console.log(output.join("").slice(-2000));
}
finish();
