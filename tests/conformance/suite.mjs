// The conformance suite: one set of behaviours, run unchanged in every runtime
// (Node, Deno, workerd, Chromium) against the local Defender simulator.
//
// runSuite({ pkg, sim, secret, refused }) takes the initialised package module, the
// simulator's URL and control secret, and a loopback URL where nothing listens, and returns
// [{ name, ok, detail }]. It only uses what every runtime has: fetch,
// AbortController, setTimeout, JSON, crypto.subtle.

import { listTests } from "./lists.mjs";

const TOKEN = "sim-token";
const PENDING = "11111111-2222-4333-8444-555555555555";
const FINISHED = "22222222-3333-4444-8555-666666666666";
const UNKNOWN = "99999999-9999-4999-8999-999999999999";

export async function runSuite({ pkg, memory, sim, secret, refused, only }) {
  const t = new Tester(pkg, sim, secret, refused, memory);
  const results = [];
  // Servers and Workers load the edge build (pkg-edge/); browsers the page's
  // (pkg/), which leaves out ClientCredentials and the shared quota.
  const build = typeof pkg.ClientCredentials === "function" ? EDGE_ONLY : PAGE_ONLY;
  for (const [name, test, onlyIn] of TESTS) {
    if (only && !name.includes(only)) continue;
    if (onlyIn !== undefined && onlyIn !== build) continue;
    try {
      await t.reset();
      await test(t);
      results.push({ name, ok: true });
    } catch (e) {
      // SpiderMonkey's stack leaves the message out; keep both.
      const stack = String(e?.stack ?? "");
      results.push({ name, ok: false, detail: stack.includes(String(e?.message)) ? stack : `${e}\n${stack}` });
    }
  }
  // Every error seen across the suite, checked once more for the token.
  const leaked = t.errorsSeen.filter((e) => JSON.stringify(describe(e)).includes(TOKEN));
  results.push({
    name: `no error message or property contains the token (${t.errorsSeen.length} errors checked)`,
    // The whole suite raises dozens; a filtered run may raise none.
    ok: leaked.length === 0 && (only !== undefined || t.errorsSeen.length > 40),
    detail: leaked.length ? JSON.stringify(leaked.map(describe)) : `only ${t.errorsSeen.length} errors seen`,
  });
  return results;
}

function describe(e) {
  return {
    name: e?.name, message: e?.message, kind: e?.kind, status_code: e?.status_code,
    error_code: e?.error_code, correlation_id: e?.correlation_id,
    retry_after_seconds: e?.retry_after_seconds, cause: String(e?.cause ?? ""),
  };
}

const EDGE_ONLY = "edge";
const PAGE_ONLY = "page";

class Tester {
  constructor(pkg, sim, secret, refused, memory) {
    this.memory = memory;
    this.pkg = pkg;
    this.sim = sim;
    this.secret = secret;
    this.refused = refused;
    this.errorsSeen = [];
  }

  async control(method, path, body) {
    const response = await fetch(`${this.sim}/_sim${path}`, {
      method,
      headers: { "x-sim-secret": this.secret, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator control ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  reset() { return this.control("POST", "/reset"); }
  seed(id, fields) { return this.control("PUT", `/actions/${id}`, { id, ...fields }); }
  fault(spec) { return this.control("POST", "/faults", spec); }
  async requests() { return this.control("GET", "/requests"); }
  /** How the request log shows `Authorization: Bearer <token>`: a SHA-256 fingerprint. */
  async logged(token) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
    return `Bearer sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  /** Requests that reached the API, preflights left out. */
  async apiRequests() { return (await this.requests()).filter((r) => r.method !== "OPTIONS"); }

  cancel(overrides = {}) {
    return this.pkg.cancelMachineAction({
      machineActionId: PENDING, comment: "Stuck isolation, cancelled from the SOC portal",
      token: TOKEN, baseUrl: this.sim, ...overrides,
    });
  }

  /** Awaits a rejection and checks it is a MachineActionError of `kind`. */
  async rejects(promise, kind) {
    let error;
    try {
      await promise;
    } catch (e) {
      error = e;
    }
    if (error === undefined) throw new Error(`expected a ${kind} error, but the call succeeded`);
    this.errorsSeen.push(error);
    check(error instanceof Error, `not an Error: ${String(error)}`);
    equal(error.name, "MachineActionError", "error.name");
    equal(error.kind, kind, `error.kind (message: ${error.message})`);
    check(this.pkg.isMachineActionError(error), "isMachineActionError");
    check(typeof error.message === "string" && error.message.length > 20, "a message that explains");
    for (const key of ["status_code", "error_code", "correlation_id", "retry_after_seconds"]) {
      check(key in error, `error.${key} is present (null when unknown)`);
    }
    return error;
  }

  /** Checks that nothing at all reached the simulator (preflights included). */
  async nothingSent() {
    const log = await this.requests();
    equal(log.length, 0, `requests that reached the simulator: ${JSON.stringify(log.map((r) => r.method + " " + r.path))}`);
  }
}

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function equal(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const pendingIsolation = {
  type: "Isolate", scope: "Full", requestor: "analyst@contoso.onmicrosoft.com",
  requestorComment: "Isolate machine due to alert 1234", status: "Pending",
  machineId: "7b1f4967d9728e5aa3c06a9e617a22a4a5a17378", computerDnsName: "desktop-fin-042.contoso.local",
  creationDateTimeUtc: "2026-11-29T09:12:18.9725659Z", lastUpdateDateTimeUtc: "2026-11-29T09:12:18.9725659Z",
  cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null,
  errorHResult: 0, externalId: null, requestSource: "PublicApi", relatedFileInfo: null,
  commands: [], troubleshootInfo: null, title: null,
};

const MODEL_FIELDS = [
  "id", "type", "scope", "requestor", "externalID", "requestSource", "commands", "cancellationRequestor",
  "requestorComment", "cancellationComment", "status", "machineId", "computerDnsName",
  "cancellationDateTimeUtc", "creationDateTimeUtc", "lastUpdateDateTimeUtc", "title", "relatedFileInfo",
];

async function expectInvalid(t, call, what) {
  const error = await t.rejects(call(), "invalid_input").catch((e) => {
    throw new Error(`${what}: ${e.message}`);
  });
  equal(error.status_code, null, `${what}: status_code`);
  await t.nothingSent();
  return error;
}

const tooLongId = "5".repeat(10_000);

/** Arguments that break a rule: each must be refused with nothing sent. */
const INVALID = [
  ["missing machineActionId", { machineActionId: undefined }],
  ["machineActionId not a GUID", { machineActionId: "abc" }],
  ["machineActionId with a slash", { machineActionId: "11111111-2222-4333-8444-55555555/555" }],
  ["machineActionId with ..", { machineActionId: "../../machines/11111111-2222-4333-8444-5555" }],
  ["machineActionId with %2F", { machineActionId: "11111111%2F2222-4333-8444-555555555555" }],
  ["machineActionId with ?", { machineActionId: "11111111-2222-4333-8444-55555555555?" }],
  ["machineActionId with #", { machineActionId: "11111111-2222-4333-8444-55555555555#" }],
  ["machineActionId with a space", { machineActionId: " 11111111-2222-4333-8444-555555555555" }],
  ["machineActionId with look-alike digits", { machineActionId: "１1111111-2222-4333-8444-555555555555" }],
  ["machineActionId of 10 kB", { machineActionId: tooLongId }],
  ["machineActionId a number", { machineActionId: 42 }],
  ["missing comment", { comment: undefined }],
  ["empty comment", { comment: "" }],
  ["whitespace comment", { comment: " \n\t " }],
  ["comment over 1000 characters", { comment: "x".repeat(1001) }],
  ["comment with a control character", { comment: "stop\u0000now" }],
  ["comment an object", { comment: { text: "hi" } }],
  ["comment with a lone surrogate", { comment: "broken \uD800 text" }],
  ["token with a lone surrogate", { token: "abc\uDC00" }],
  ["missing token", { token: undefined }],
  ["empty token", { token: "" }],
  ["token with CR/LF", { token: "abc\r\nX-Injected: 1" }],
  ["token a number", { token: 42 }],
  ["baseUrl ftp", { baseUrl: "ftp://api.security.microsoft.com" }],
  ["baseUrl plain http to a public host", { baseUrl: "http://api.security.microsoft.com" }],
  ["baseUrl with user-info", { baseUrl: "https://user:pass@api.security.microsoft.com" }],
  ["baseUrl garbage", { baseUrl: "not a url" }],
  ["baseUrl with a query", { baseUrl: "https://api.security.microsoft.com/?x=1" }],
  ["baseUrl javascript:", { baseUrl: "javascript:alert(1)" }],
  ["baseUrl a number", { baseUrl: 443 }],
  ["timeoutMs negative", { timeoutMs: -1 }],
  ["retries negative", { retries: -1 }],
  ["retries fractional", { retries: 1.5 }],
  ["quota not a list", { quota: { perMinute: 100 } }],
  ["quota with a zero window", { quota: [{ calls: 10, windowMs: 0 }] }],
  ["quota provider without release()", { quota: { acquire: () => ({ permit: 1 }) } }],
  ["timeoutMs zero", { timeoutMs: 0 }],
  ["timeoutMs a string", { timeoutMs: "100" }],
  ["timeoutMs NaN", { timeoutMs: NaN }],
  ["signal not an AbortSignal", { signal: "stop" }],
];

const TESTS = [
  ["cancel of a Pending action answers 200 with the updated entity", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const result = await t.cancel({ comment: "  Stuck isolation, cancelled from the SOC portal  " });
    equal(result.status_code, 200, "status_code");
    equal(result.reason, "OK", "reason");
    const body = result.json_body;
    equal(body.id, PENDING, "id");
    equal(body.status, "Cancelled", "status");
    equal(body.cancellationComment, "Stuck isolation, cancelled from the SOC portal", "cancellationComment (trimmed)");
    check(typeof body.cancellationDateTimeUtc === "string", "cancellationDateTimeUtc set");
    equal(body.type, "Isolate", "type");
    equal(body.computerDnsName, "desktop-fin-042.contoso.local", "computerDnsName");
    equal(Object.keys(result).sort().join(","), "json_body,notice,outcome,reason,response_headers,status_code", "result keys");
    equal(result.outcome, "cancelled", "outcome");
    equal(result.notice, null, "notice");
  }],

  ["the request carries exactly the documented method, path, headers and body", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.cancel({ comment: "Audit \"quoted\" — ünïcode" });
    const log = await t.apiRequests();
    equal(log.length, 1, "requests sent");
    const [request] = log;
    equal(request.method, "POST", "method");
    equal(request.path, `/api/machineactions/${PENDING}/cancel`, "path");
    equal(request.headers["authorization"], await t.logged(TOKEN), "authorization");
    equal(request.headers["content-type"], "application/json", "content-type");
    equal(request.headers["accept"], "application/json", "accept");
    equal(request.body, JSON.stringify({ Comment: "Audit \"quoted\" — ünïcode" }), "body");
  }],

  ["response headers are surfaced with lower-case names", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const { response_headers: headers } = await t.cancel();
    check(headers["content-type"].startsWith("application/json"), "content-type");
    equal(headers["odata-version"], "4.0", "odata-version");
    check(/^[0-9a-f-]{36}$/.test(headers["mise-correlation-id"]), "mise-correlation-id");
  }],

  ["MachineActionsClient cancels, then get shows the action Cancelled", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const client = new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim });
    const before = await client.get(PENDING);
    equal(before.json_body.status, "Pending", "status before");
    const cancelled = await client.cancel(PENDING, "no longer needed");
    equal(cancelled.json_body.status, "Cancelled", "status from cancel");
    const after = await client.get(PENDING);
    equal(after.json_body.status, "Cancelled", "status after");
    equal(after.json_body.cancellationComment, "no longer needed", "cancellationComment");
    const log = await t.apiRequests();
    equal(log.map((r) => r.method).join(","), "GET,POST,GET", "methods");
    equal(log[0].headers["content-type"], undefined, "GET has no content-type");
    client.free();
  }],

  ["a token function is called per request, sync or async, and 'Bearer ' is accepted", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    let calls = 0;
    const client = new t.pkg.MachineActionsClient({
      baseUrl: t.sim, token: async () => { calls += 1; return `Bearer ${TOKEN}`; },
    });
    await client.get(PENDING);
    await client.cancel(PENDING, "cancel");
    equal(calls, 2, "token function calls");
    const again = await t.cancel({ machineActionId: PENDING, token: () => TOKEN });
    equal(again.outcome, "already_cancelled", "second cancel of the same action");
    const log = await t.apiRequests();
    const sent = await t.logged(TOKEN);
    check(log.every((r) => r.headers.authorization === sent), "every request carries the token once");
  }],

  ["baseUrl: a trailing slash, a trailing /api and a path prefix are handled", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const client = (baseUrl) => new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl });
    await client(`${t.sim}/`).get(PENDING);
    await client(`${t.sim}/api/`).get(PENDING);
    await t.rejects(client(`${t.sim}/edge/mde`).get(PENDING), "not_found");
    const paths = (await t.apiRequests()).map((r) => r.path);
    equal(paths.join(" "), [`/api/machineactions/${PENDING}`, `/api/machineactions/${PENDING}`,
      `/edge/mde/api/machineactions/${PENDING}`].join(" "), "paths");
  }],

  ["payload variants parse into one canonical shape, and unmodelled fields are kept", async (t) => {
    await t.seed(PENDING, {
      "@odata.context": "https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity",
      type: "Live Response", status: "Canceled", externalId: "ext-1", lastUpdateTimeUtc: "2018-01-02T03:04:05Z",
      commands: ["PutFile", { index: 0, commandStatus: "Completed", errors: [], command: { type: "RunScript", params: [{ key: "ScriptName", value: "a.ps1" }] } }],
      relatedFileInfo: "", troubleshootInfo: { level: 3 }, futureField: [1, "two"], errorHResult: -2147024891,
    });
    const { json_body: body } = await t.pkg.cancelMachineAction({ machineActionId: PENDING, comment: "x", token: TOKEN, baseUrl: t.sim })
      .catch(() => new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim }).get(PENDING));
    for (const field of MODEL_FIELDS) check(field in body, `field ${field} present`);
    equal(body.type, "LiveResponse", "type");
    equal(body.status, "Cancelled", "status");
    equal(body.externalID, "ext-1", "externalID");
    equal(body.lastUpdateDateTimeUtc, "2018-01-02T03:04:05Z", "lastUpdateDateTimeUtc");
    equal(body.commands[0], "PutFile", "string command");
    equal(body.commands[1].command.params[0].value, "a.ps1", "command record kept whole");
    equal(body.relatedFileInfo, "", "relatedFileInfo \"\"");
    equal(body.errorHResult, -2147024891, "errorHResult");
    equal(body.troubleshootInfo.level, 3, "troubleshootInfo kept");
    equal(JSON.stringify(body.futureField), "[1,\"two\"]", "unknown field kept");
    check(body["@odata.context"].includes("$entity"), "@odata.context kept");
    equal(body.scope, null, "missing field is null");
  }],

  ["a real U+FFFD in a comment is sent as it is", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const result = await t.cancel({ comment: "replacement char \uFFFD kept" });
    equal(result.json_body.cancellationComment, "replacement char \uFFFD kept", "cancellationComment");
  }],

  ["the seed's example body parses as it is", async (t) => {
    await t.seed(PENDING, {
      type: "CollectInvestigationPackage", scope: "Selective", requestor: "Analyst@TestPrd.onmicrosoft.com",
      externalID: "", requestSource: "", commands: ["PutFile"], cancellationRequestor: "",
      requestorComment: "test for docs", cancellationComment: "", status: "Pending",
      machineId: "7b1f4967d9728e5aa3c06a9e617a22a4a5a17378", computerDnsName: "desktop-test",
      cancellationDateTimeUtc: "2019-01-02T14:39:38.2262283Z", creationDateTimeUtc: "2019-01-02T14:39:38.2262283Z",
      lastUpdateDateTimeUtc: "2019-01-02T14:40:44.6596267Z", title: "", relatedFileInfo: "",
    });
    const result = await t.cancel();
    equal(result.json_body.commands[0], "PutFile", "commands");
    equal(result.json_body.externalID, "", "externalID");
    equal(result.json_body.status, "Cancelled", "status");
  }],

  ["401 from a wrong token is unauthorized, with the OData code and correlation id", async (t) => {
    const error = await t.rejects(t.cancel({ token: "not-the-right-token" }), "unauthorized");
    equal(error.status_code, 401, "status_code");
    equal(error.error_code, "Unauthorized", "error_code");
    check(typeof error.correlation_id === "string" && error.correlation_id.length > 0, "correlation_id");
    check(!error.message.includes("not-the-right-token"), "the message does not contain the token");
  }],

  ["403 is forbidden and names the permissions a cancel needs", async (t) => {
    await t.fault({ status: 403, json: { error: { code: "Forbidden", message: "The application does not have any of the required application permissions (Machine.Isolate, Machine.CollectForensics) to access the resource.", target: "4a1e9b3c-0000-4000-8000-000000000403" } } });
    const error = await t.rejects(t.cancel(), "forbidden");
    equal(error.status_code, 403, "status_code");
    equal(error.error_code, "Forbidden", "error_code");
    equal(error.correlation_id, "4a1e9b3c-0000-4000-8000-000000000403", "correlation_id from error.target");
    check(error.message.includes("Machine.Isolate") && error.message.includes("Machine.LiveResponse"), "permissions named");
  }],

  ["404 for an unknown id is not_found with ResourceNotFound", async (t) => {
    const error = await t.rejects(t.cancel({ machineActionId: UNKNOWN }), "not_found");
    equal(error.status_code, 404, "status_code");
    equal(error.error_code, "ResourceNotFound", "error_code");
    check(error.correlation_id, "correlation_id");
  }],

  ["a 400 to a cancel is bad_request and says why, when reading back is not possible", async (t) => {
    await t.fault({ method: "POST", status: 400, json: { error: { code: "BadRequest", message: "Cannot cancel" } } });
    const error = await t.rejects(t.cancel({ machineActionId: UNKNOWN }), "bad_request");
    equal(error.status_code, 400, "status_code");
    check(error.message.includes("already finished"), "explains final states");
  }],

  ...["Succeeded", "Failed", "TimeOut"].map((status) => [`cancelling an action that ended ${status} is not_cancellable with its status`, async (t) => {
    await t.seed(FINISHED, { ...pendingIsolation, status });
    const error = await t.rejects(t.cancel({ machineActionId: FINISHED }), "not_cancellable");
    equal(error.action_status, status, "action_status");
    check(error.message.includes(status), "message names the status");
    equal((await t.apiRequests()).map((r) => r.method).join(","), "POST,GET", "the cancel, then one read-back");
  }]),

  ["a second cancel of a cancelled action is already_cancelled, a success", async (t) => {
    await t.seed(PENDING, { ...pendingIsolation, status: "Cancelled", cancellationComment: "someone else", cancellationRequestor: "other@contoso.com" });
    const result = await t.cancel();
    equal(result.outcome, "already_cancelled", "outcome");
    equal(result.json_body.cancellationComment, "someone else", "the action as read back");
    equal(result.notice, null, "notice (a 400 is the ordinary answer to a second cancel)");
  }],

  ["a cancelled live response whose command completed says so", async (t) => {
    await t.seed(PENDING, { ...pendingIsolation, type: "LiveResponse", status: "Cancelled", cancellationComment: "earlier",
      commands: [{ index: 0, commandStatus: "Completed", errors: [], command: { type: "RunScript", params: [] } }] });
    const result = await t.cancel();
    equal(result.outcome, "already_cancelled", "outcome");
    check(result.notice.includes("completed"), `notice: ${result.notice}`);
  }],

  ["a cancel whose answer is lost is read back: our own comment means cancelled", async (t) => {
    await t.seed(PENDING, { ...pendingIsolation, status: "Cancelled", cancellationComment: "Stuck isolation, cancelled from the SOC portal" });
    await t.fault({ method: "POST", mode: "drop", times: 0 });
    const result = await t.cancel();
    equal(result.outcome, "cancelled", "outcome");
    equal(result.status_code, 200, "the read-back's status");
    check(result.notice?.includes("read back"), `notice: ${result.notice}`);
    const methods = (await t.apiRequests()).map((r) => r.method);
    equal(methods.filter((m) => m === "GET").length, 1, `one read-back (${methods})`);
  }],

  ["503 then success: the cancel is retried and succeeds", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.fault({ method: "POST", status: 503, json: { error: { code: "ServiceUnavailable", message: "try later" } } });
    const result = await t.cancel();
    equal(result.outcome, "cancelled", "outcome");
    equal((await t.apiRequests()).length, 2, "requests sent");
  }],

  ["Retry-After is honoured, never undercut", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.fault({ method: "POST", status: 429, headers: { "Retry-After": "1" }, json: { error: { code: "TooManyRequests", message: "slow down" } } });
    const started = Date.now();
    const result = await t.cancel();
    check(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
    equal(result.outcome, "cancelled", "outcome");
  }],

  ["a Retry-After beyond the deadline ends the call at once", async (t) => {
    await t.fault({ status: 429, headers: { "Retry-After": "120" } });
    const started = Date.now();
    const error = await t.rejects(t.cancel({ timeoutMs: 5000 }), "rate_limited");
    check(Date.now() - started < 2000, "did not wait");
    equal(error.attempts, 1, "attempts");
    equal((await t.apiRequests()).length, 1, "requests sent");
  }],

  ["a persistent 500 is retried to the bound and the error says how many attempts", async (t) => {
    await t.fault({ status: 500, times: 0, json: { error: { code: "InternalServerError", message: "boom" } } });
    const error = await t.rejects(t.cancel(), "server");
    equal(error.attempts, 3, "attempts");
    check(error.message.includes("3 attempts"), "message says how many");
    equal((await t.apiRequests()).length, 3, "requests sent");
  }],

  ["a burst of 300 cancels through one client stays inside the quota: zero 429s, all cancelled", async (t) => {
    const limits = [{ calls: 100, windowMs: 1000 }, { calls: 1500, windowMs: 60000 }];
    await t.control("PUT", "/quota", { limits: limits.map((l) => ({ calls: l.calls, window_ms: l.windowMs })) });
    const ids = Array.from({ length: 300 }, (_, i) => `30000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    for (const id of ids) await t.seed(id, pendingIsolation);
    const client = new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim, quota: limits });
    const started = Date.now();
    const results = await Promise.all(ids.map((id) => client.cancel(id, "burst")));
    const elapsed = Date.now() - started;
    equal(results.filter((r) => r.outcome === "cancelled").length, 300, "cancelled");
    equal((await t.control("GET", "/quota")).rejected, 0, "429s from the simulator");
    check(elapsed >= 2000, `spread over the windows (${elapsed} ms)`);
    client.free();
  }],

  ["two clients sharing one QuotaLedger through a quota provider: a burst of 100 cancels draws zero 429s", async (t) => {
    const limits = [{ calls: 25, windowMs: 500 }];
    await t.control("PUT", "/quota", { limits: limits.map((l) => ({ calls: l.calls, window_ms: l.windowMs })) });
    const ids = Array.from({ length: 100 }, (_, i) => `31000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    for (const id of ids) await t.seed(id, pendingIsolation);
    const ledger = new t.pkg.QuotaLedger({ quota: limits });
    const quota = {
      acquire(endpoint, { leaseMs, ticket }) {
        const answer = ledger.acquire(endpoint, Date.now(), leaseMs, ticket);
        return "permit" in answer ? { permit: answer.permit } : { waitMs: answer.waitMs, ticket: answer.ticket };
      },
      release: (endpoint, { permit, retryAfterMs }) => ledger.release(endpoint, permit, Date.now(), retryAfterMs),
    };
    const clients = [0, 1].map(() => new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim, quota }));
    const started = Date.now();
    const results = await Promise.all(ids.map((id, i) => clients[i % 2].cancel(id, "shared burst")));
    const elapsed = Date.now() - started;
    equal(results.filter((r) => r.outcome === "cancelled").length, 100, "cancelled");
    equal((await t.control("GET", "/quota")).rejected, 0, "429s from the simulator");
    check(elapsed >= 1500, `spread over the windows (${elapsed} ms)`);
    equal(ledger.inFlight, 0, "permits still out");
    for (const client of clients) client.free();
    ledger.free();
  }, EDGE_ONLY],

  ["a quota provider is asked before each request, holds it while it says wait, and hears the answer's Retry-After", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.fault({ method: "POST", status: 429, headers: { "Retry-After": "3" }, json: { error: { code: "TooManyRequests", message: "Rate limit is exceeded." } } });
    const heard = [];
    const quota = {
      acquire(endpoint, options) {
        heard.push(["acquire", endpoint, typeof options.leaseMs, options.ticket ?? null]);
        return heard.length === 1 ? Promise.resolve({ waitMs: 300, ticket: "place-1" }) : { permit: "permit-1" };
      },
      release(endpoint, report) {
        heard.push(["release", endpoint, report.permit, report.retryAfterMs]);
      },
    };
    const started = Date.now();
    const error = await t.rejects(t.cancel({ quota, retries: 0 }), "rate_limited");
    equal(error.status_code, 429, "the server's 429");
    check(Date.now() - started >= 300, "the call waited as told");
    equal(JSON.stringify(heard), JSON.stringify([
      ["acquire", "cancel", "number", null], ["acquire", "cancel", "number", "place-1"],
      ["release", "cancel", "permit-1", 3000],
    ]), "what the provider heard");
    equal((await t.apiRequests()).length, 1, "requests sent");
  }, EDGE_ONLY],

  ["a quota provider that throws, or says wait past the deadline, fails the call rate_limited with nothing sent", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const broken = new Error("quota store unavailable");
    const error = await t.rejects(t.cancel({ quota: { acquire() { throw broken; }, release() {} } }), "rate_limited");
    equal(error.cause, broken, "the provider's error is the cause");
    const late = await t.rejects(t.cancel({ timeoutMs: 1000, quota: { acquire: async () => ({ waitMs: 5000 }), release() {} } }), "rate_limited");
    check(/deadline/.test(late.message), `the message says why: ${late.message}`);
    await t.nothingSent();
  }, EDGE_ONLY],

  ["a 429 from the server pauses the client's whole budget, then every call succeeds", async (t) => {
    await t.control("PUT", "/quota", { limits: [{ calls: 2, window_ms: 1000 }] });
    const ids = Array.from({ length: 4 }, (_, i) => `40000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    for (const id of ids) await t.seed(id, pendingIsolation);
    const client = new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim, quota: false });
    const results = await Promise.all(ids.map((id) => client.cancel(id, "paused")));
    equal(results.filter((r) => r.outcome === "cancelled").length, 4, "cancelled");
    const { rejected } = await t.control("GET", "/quota");
    check(rejected >= 1 && rejected <= 2, `429s: ${rejected}`);
  }],

  ["an action that completes while being cancelled is not_cancellable", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.control("POST", `/race/${PENDING}`, { mode: "completes_first", status: "Succeeded" });
    const error = await t.rejects(t.cancel(), "not_cancellable");
    equal(error.action_status, "Succeeded", "action_status");
  }],

  ["a live response cancelled after its command completed is cancelled, with the notice", async (t) => {
    await t.seed(PENDING, { ...pendingIsolation, type: "LiveResponse",
      commands: [{ index: 0, commandStatus: "Created", errors: [], command: { type: "RunScript", params: [] } }] });
    await t.control("POST", `/race/${PENDING}`, { mode: "command_completes" });
    const result = await t.cancel();
    equal(result.outcome, "cancelled", "outcome");
    check(result.notice?.includes("completed"), `notice: ${result.notice}`);
  }],

  ["a 10 MB body is refused as invalid_response without being read", async (t) => {
    await t.fault({ status: 200, body_size: 10 * 1024 * 1024 });
    const error = await t.rejects(t.cancel(), "invalid_response");
    check(error.message.includes("1 MiB"), "says why");
  }],

  ["retries: 0 sends once", async (t) => {
    await t.fault({ status: 503, times: 0 });
    const error = await t.rejects(t.cancel({ retries: 0 }), "server");
    equal(error.attempts, 1, "attempts");
    equal((await t.apiRequests()).length, 1, "requests sent");
  }],

  ["a 401 with a provider refreshes the token once", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    const tokens = ["expired-token", TOKEN];
    let invalidated = 0;
    const provider = { getToken: () => tokens[Math.min(invalidated, 1)], invalidate: () => { invalidated += 1; } };
    const result = await t.cancel({ token: provider });
    equal(result.outcome, "cancelled", "outcome");
    equal(invalidated, 1, "invalidate calls");
    equal((await t.apiRequests()).map((r) => r.headers.authorization).join(","), `${await t.logged("expired-token")},${await t.logged(TOKEN)}`, "tokens sent");
  }],

  ["other 4xx (409 with an empty OData code) is bad_request with error_code null", async (t) => {
    await t.fault({ status: 409, json: { error: { code: "", message: "Conflict.", details: [] } }, headers: { "mise-correlation-id": "c0ffee00-0000-4000-8000-000000000409" } });
    const error = await t.rejects(t.cancel(), "bad_request");
    equal(error.status_code, 409, "status_code");
    equal(error.error_code, null, "error_code");
    equal(error.correlation_id, "c0ffee00-0000-4000-8000-000000000409", "correlation_id from the header");
  }],

  ["429 with Retry-After seconds is rate_limited", async (t) => {
    await t.fault({ status: 429, headers: { "Retry-After": "7" }, json: { error: { code: "TooManyRequests", message: "Too many requests" } } });
    const error = await t.rejects(t.cancel({ retries: 0 }), "rate_limited");
    equal(error.retry_after_seconds, 7, "retry_after_seconds");
    equal(error.error_code, "TooManyRequests", "error_code");
    check(error.message.includes("7 s"), "message says when to retry");
  }],

  ["429 with an HTTP-date Retry-After gives the seconds until then", async (t) => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    await t.fault({ status: 429, headers: { "Retry-After": at } });
    const error = await t.rejects(t.cancel({ retries: 0 }), "rate_limited");
    check(error.retry_after_seconds >= 100 && error.retry_after_seconds <= 121, `retry_after_seconds ${error.retry_after_seconds}`);
  }],

  ["500 is server with the code Defender sent", async (t) => {
    await t.fault({ status: 500, json: { error: { code: "InternalServerError", message: "An error occurred" } } });
    const error = await t.rejects(t.cancel({ retries: 0 }), "server");
    equal(error.status_code, 500, "status_code");
    equal(error.error_code, "InternalServerError", "error_code");
  }],

  ["a 502 HTML page from a proxy is server, and says a proxy answered", async (t) => {
    await t.fault({ status: 502, headers: { "Content-Type": "text/html" }, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" });
    const error = await t.rejects(t.cancel({ retries: 0 }), "server");
    equal(error.error_code, null, "error_code");
    check(error.message.includes("HTML"), "mentions the HTML page");
  }],

  ["a 200 HTML page is invalid_response", async (t) => {
    await t.fault({ status: 200, headers: { "Content-Type": "text/html" }, body: "<!doctype html><title>Sign in</title>" });
    const error = await t.rejects(t.cancel(), "invalid_response");
    equal(error.status_code, 200, "status_code");
    check(error.message.includes("HTML"), "says it was HTML");
  }],

  ["a truncated 200 body is invalid_response", async (t) => {
    await t.fault({ status: 200, body: `{"id":"${PENDING}","status":"Canc` });
    const error = await t.rejects(t.cancel(), "invalid_response");
    check(error.message.includes("ends early"), "says it was cut off");
  }],

  ["a 200 body without an id is invalid_response naming the field", async (t) => {
    await t.fault({ status: 200, json: { status: "Cancelled" } });
    const error = await t.rejects(t.cancel(), "invalid_response");
    check(error.message.includes("`id`"), "names the field");
  }],

  ["a 200 body whose status is not a string is invalid_response naming the field", async (t) => {
    await t.fault({ status: 200, json: { id: PENDING, status: 5 } });
    const error = await t.rejects(t.cancel(), "invalid_response");
    check(error.message.includes("`status`"), "names the field");
  }],

  ["a cancel whose optional fields have wrong types succeeds, with those fields kept as sent", async (t) => {
    const sent = {
      id: PENDING, status: "Cancelled", cancellationComment: "x", title: 42, errorHResult: "0x80004005",
      requestSource: { app: "proxy" }, commands: "PutFile", relatedFileInfo: 7, machineId: ["m"], scope: true,
    };
    await t.fault({ status: 200, json: sent });
    const result = await t.cancel();
    equal(result.outcome, "cancelled", "outcome");
    for (const [key, value] of Object.entries(sent)) {
      equal(JSON.stringify(result.json_body[key]), JSON.stringify(value), `${key} kept as sent`);
    }
    equal((await t.apiRequests()).length, 1, "no read-back was needed");
  }],

  ["a body with both spellings of a field keeps both, the canonical one read", async (t) => {
    await t.fault({ status: 200, json: { id: PENDING, status: "Cancelled", externalID: "upper", externalId: "lower" } });
    const result = await t.cancel();
    equal(result.json_body.externalID, "upper", "externalID");
    equal(result.json_body.externalId, "lower", "externalId kept");
  }],

  ["a 200 body that is JSON but not an object is invalid_response", async (t) => {
    for (const json of [[{ id: PENDING, status: "Cancelled" }], [PENDING, "Cancelled"], "Cancelled", null, 7]) {
      await t.fault({ status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(json) });
      const error = await t.rejects(t.cancel({ retries: 0 }), "invalid_response");
      check(error.message.includes("not an object"), `${JSON.stringify(json)}: ${error.message}`);
    }
  }],

  ["the page's build holds no client-credentials or shared-quota code", async (t) => {
    equal(typeof t.pkg.ClientCredentials, "undefined", "ClientCredentials in pkg/");
    equal(typeof t.pkg.QuotaLedger, "undefined", "QuotaLedger in pkg/");
    const provider = { acquire: () => ({ permit: 1 }), release() {} };
    await t.rejects(t.cancel({ quota: provider }), "invalid_input");
    await t.nothingSent();
  }, PAGE_ONLY],

  ["the edge build has ClientCredentials and QuotaLedger", async (t) => {
    equal(typeof t.pkg.ClientCredentials, "function", "ClientCredentials");
    equal(typeof t.pkg.QuotaLedger, "function", "QuotaLedger");
  }, EDGE_ONLY],

  ["a redirect is refused, not followed", async (t) => {
    await t.fault({ status: 302, headers: { Location: `${t.refused}/api/machineactions/${PENDING}/cancel` } });
    const error = await t.rejects(t.cancel(), "invalid_response");
    check(error.status_code === 302 || error.status_code === 0, `status_code ${error.status_code}`);
    equal((await t.apiRequests()).length, 1, "requests sent");
  }],

  ["a server that answers too late is a timeout within timeoutMs", async (t) => {
    await t.fault({ delay_ms: 5000, status: 200, json: { id: PENDING, status: "Cancelled" } });
    const started = Date.now();
    const error = await t.rejects(t.cancel({ timeoutMs: 300 }), "timeout");
    check(Date.now() - started < 3000, "returned long before the server answered");
    check(error.message.includes("300 ms"), "message gives the deadline");
  }],

  ["a server that never answers is a timeout", async (t) => {
    await t.fault({ mode: "hang" });
    await t.rejects(t.cancel({ timeoutMs: 300 }), "timeout");
  }],

  ["a body that drips past the deadline is a timeout", async (t) => {
    await t.fault({ mode: "drip", status: 200, drip_ms: 200, json: { id: PENDING, status: "Cancelled", padding: "x".repeat(200) } });
    await t.rejects(t.cancel({ timeoutMs: 500 }), "timeout");
  }],

  ["connection refused is network, with the runtime's error as cause", async (t) => {
    const error = await t.rejects(t.cancel({ baseUrl: t.refused }), "network");
    check(error.cause !== undefined && error.cause !== null, "cause kept");
  }],

  ["a connection dropped before the answer is network", async (t) => {
    // Every time: browsers and Deno resend a request once when a reused
    // connection closes before answering.
    await t.fault({ mode: "drop", times: 0 });
    await t.rejects(t.cancel(), "network");
  }],

  ["a connection dropped mid-body is network", async (t) => {
    await t.fault({ mode: "drop_mid_body", status: 200, json: { id: PENDING, status: "Cancelled", padding: "y".repeat(4000) } });
    const error = await t.rejects(t.cancel(), "network");
    equal(error.status_code, 200, "the status that arrived before the body broke");
    const methods = (await t.apiRequests()).map((r) => r.method);
    equal(JSON.stringify(methods), JSON.stringify(["POST", "GET"]), "the cancel is not retried (it was answered), only read back");
    equal(error.attempts, 2, "attempts: every request the call sent");
  }],

  ["the caller's AbortSignal stops a call in flight: aborted", async (t) => {
    await t.fault({ delay_ms: 5000, status: 200, json: { id: PENDING, status: "Cancelled" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await t.rejects(t.cancel({ signal: controller.signal }), "aborted");
    check(Date.now() - started < 3000, "returned promptly");
  }],

  ["an already-aborted signal sends nothing", async (t) => {
    const controller = new AbortController();
    controller.abort();
    await t.rejects(t.cancel({ signal: controller.signal }), "aborted");
    await t.nothingSent();
  }],

  ["a token function that throws sends nothing and keeps the cause", async (t) => {
    const thrown = new Error("token cache unavailable");
    const error = await t.rejects(t.cancel({ token: () => { throw thrown; } }), "unauthorized");
    equal(error.cause, thrown, "cause");
    await t.nothingSent();
    const rejected = await t.rejects(t.cancel({ token: () => Promise.reject(thrown) }), "unauthorized");
    equal(rejected.cause, thrown, "cause of a rejected promise");
    await t.rejects(t.cancel({ token: () => 42 }), "invalid_input");
    await t.rejects(t.cancel({ token: () => "bad token\n" }), "invalid_input");
    await t.nothingSent();
  }],

  ["a token function that never settles is bounded by timeoutMs", async (t) => {
    await t.rejects(t.cancel({ token: () => new Promise(() => {}), timeoutMs: 200 }), "timeout");
    await t.nothingSent();
  }],

  ["the constructor and calls refuse bad arguments before sending", async (t) => {
    const make = (options) => () => new t.pkg.MachineActionsClient(options);
    for (const [what, options] of [["no options", undefined], ["no token", {}], ["bad baseUrl", { token: TOKEN, baseUrl: "http://example.com" }], ["bad timeout", { token: TOKEN, timeoutMs: 1e9 }]]) {
      let error;
      try { make(options)(); } catch (e) { error = e; }
      check(error, `${what}: constructor throws`);
      t.errorsSeen.push(error);
      equal(error.kind, "invalid_input", `${what}: kind`);
    }
    const client = new t.pkg.MachineActionsClient({ token: TOKEN, baseUrl: t.sim });
    await t.rejects(client.cancel("nope", "c"), "invalid_input");
    await t.rejects(client.cancel(PENDING, ""), "invalid_input");
    await t.rejects(client.get(PENDING, "not options"), "invalid_input");
    await t.rejects(client.get(PENDING, { signal: {} }), "invalid_input");
    await t.rejects(t.pkg.cancelMachineAction(null), "invalid_input");
    await t.rejects(t.pkg.cancelMachineAction("id"), "invalid_input");
    await t.nothingSent();
  }],

  ...INVALID.map(([what, overrides]) => [
    `invalid input refused, nothing sent: ${what}`,
    (t) => expectInvalid(t, () => t.cancel(overrides), what),
  ]),

  ["checkMachineActionId answers by the package's own rule: null, or the message a call would refuse with", async (t) => {
    equal(t.pkg.checkMachineActionId(PENDING), null, "a GUID");
    equal(t.pkg.checkMachineActionId(PENDING.toUpperCase()), null, "any case");
    check(/braces/.test(t.pkg.checkMachineActionId(`{${PENDING}}`)), "braces are named");
    check(/hyphens/.test(t.pkg.checkMachineActionId(PENDING.replaceAll("-", ""))), "missing hyphens are named");
    const refused = await t.rejects(t.cancel({ machineActionId: "abc" }), "invalid_input");
    equal(t.pkg.checkMachineActionId("abc"), refused.message, "the same message as the call");
    check(typeof t.pkg.checkMachineActionId(42) === "string", "a number");
  }],

  ["isMachineActionError is false for other values", async (t) => {
    check(!t.pkg.isMachineActionError(new Error("x")), "plain Error");
    check(!t.pkg.isMachineActionError({ name: "MachineActionError" }), "plain object");
    check(!t.pkg.isMachineActionError(undefined), "undefined");
    const lookalike = new Error("forged");
    lookalike.name = "MachineActionError";
    lookalike.kind = "not_found";
    check(!t.pkg.isMachineActionError(lookalike), "an Error named MachineActionError");
    check(!t.pkg.isMachineActionError(Object.create(t.pkg.MachineActionError.prototype)), "an object on the class's prototype");
  }],

  ["errors are instances of the exported MachineActionError class and say where they came from", async (t) => {
    const refused = await t.rejects(t.cancel({ machineActionId: "nope" }), "invalid_input");
    check(refused instanceof t.pkg.MachineActionError, "instanceof MachineActionError");
    check(refused instanceof Error, "instanceof Error");
    equal(refused.source, "client", "source of invalid input");
    equal(refused.retryable, false, "retryable");
    equal(refused.attempts, 0, "attempts when nothing was sent");
    await t.fault({ status: 503, json: { error: { code: "ServiceUnavailable", message: "busy" } } });
    const busy = await t.rejects(t.cancel({ retries: 0 }), "server");
    equal(busy.source, "defender", "source of a 5xx");
    equal(busy.retryable, true, "a 5xx may succeed later");
    equal(busy.attempts, 1, "attempts");
  }],

  ["a cancel whose answer is lost and whose retry is answered 400 is cancelled, read back with this call's comment", async (t) => {
    // As if the first cancel landed and its connection dropped before the
    // answer: the action reads cancelled with this call's comment, and the
    // retry meets Defender's own 400 for a second cancel.
    await t.seed(PENDING, { ...pendingIsolation, status: "Cancelled", cancellationComment: "lost then retried", cancellationDateTimeUtc: new Date().toISOString() });
    await t.fault({ method: "POST", mode: "drop", times: 1 });
    const result = await t.cancel({ comment: "lost then retried" });
    equal(result.outcome, "cancelled", "outcome");
    equal(result.json_body.cancellationComment, "lost then retried", "comment");
    const methods = (await t.apiRequests()).map((r) => r.method);
    equal(JSON.stringify(methods), JSON.stringify(["POST", "POST", "GET"]), "cancel, retry, read-back");
  }],

  ["a cancel silently resent by the runtime and answered 400 is cancelled when the read-back shows this call's comment", async (t) => {
    // The runtime's resend is invisible here; what this call sees is the
    // simulator's own 400 for cancelling a cancelled action.
    await t.seed(PENDING, { ...pendingIsolation, status: "Cancelled", cancellationComment: "resent", cancellationDateTimeUtc: new Date().toISOString() });
    const result = await t.cancel({ comment: "resent" });
    equal(result.outcome, "cancelled", "outcome");
    const methods = (await t.apiRequests()).map((r) => r.method);
    equal(JSON.stringify(methods), JSON.stringify(["POST", "GET"]), "the 400, then the read-back");
  }],

  ["a cancel answered 400 on an action someone else cancelled is already_cancelled", async (t) => {
    await t.seed(PENDING, { ...pendingIsolation, status: "Cancelled", cancellationComment: "the other analyst", cancellationDateTimeUtc: new Date().toISOString() });
    const result = await t.cancel({ comment: "mine" });
    equal(result.outcome, "already_cancelled", "outcome");
  }],

  ["an answer about another action is invalid_response, never a cancel", async (t) => {
    await t.fault({ status: 200, json: { id: FINISHED, status: "Cancelled", cancellationComment: "x" } });
    const error = await t.rejects(t.cancel({ retries: 0 }), "invalid_response");
    check(error.message.includes("another machine action"), error.message);
  }],

  ["an endless body is refused at 1 MiB, long before the deadline, without growing memory", async (t) => {
    const before = t.memory?.buffer.byteLength;
    await t.fault({ status: 200, mode: "endless", body: "[" });
    const started = Date.now();
    const error = await t.rejects(t.cancel({ timeoutMs: 20000, retries: 0 }), "invalid_response");
    check(Date.now() - started < 10000, `took ${Date.now() - started} ms`);
    check(error.message.includes("1 MiB"), error.message);
    if (before !== undefined) {
      const grown = t.memory.buffer.byteLength - before;
      check(grown <= 3 * 1024 * 1024, `wasm memory grew by ${grown} bytes`);
    }
  }],

  ["an absurd Retry-After is capped at an hour and reported so", async (t) => {
    await t.fault({ status: 429, headers: { "Retry-After": "999999999" } });
    const started = Date.now();
    const error = await t.rejects(t.cancel({ timeoutMs: 2000 }), "rate_limited");
    equal(error.retry_after_seconds, 3600, "retry_after_seconds");
    check(Date.now() - started < 1500, "gave up at once: an hour does not fit the deadline");
  }],

  ["credential headers a server sends back are dropped from the result", async (t) => {
    await t.seed(PENDING, pendingIsolation);
    await t.fault({ status: 200, headers: { "Set-Cookie": "session=abc", "X-Echo": `Bearer ${TOKEN}` }, json: { id: PENDING, status: "Cancelled" } });
    const result = await t.cancel();
    check(!("set-cookie" in result.response_headers), "set-cookie");
    check(!JSON.stringify(result).includes(TOKEN), "the token in the result");
  }],

  ["a partial echo of the token is masked in the result and in errors", async (t) => {
    const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.sim-payload.signature-part";
    const piece = token.slice(12, 30);
    await t.fault({ status: 200, json: { id: PENDING, status: "Cancelled", title: `echo ${piece}` } });
    const result = await t.cancel({ token });
    check(!JSON.stringify(result).includes(piece.slice(0, 8)), JSON.stringify(result.json_body.title));
    await t.fault({ status: 404, json: { error: { code: "NotFound", message: `no ${piece}`, target: piece } } });
    const error = await t.rejects(t.cancel({ token, retries: 0 }), "not_found");
    for (const text of [error.message, error.correlation_id]) {
      check(!text.includes(piece.slice(0, 8)), text);
    }
  }],
];

// Listing, device lookup, waiting and bulk cancel (lists.mjs).
TESTS.push(...listTests({ check, equal, expectInvalid, EDGE_ONLY }));

