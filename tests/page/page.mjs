// Browser tests of the demo page in www/: starts its own simulator serving www/ and
// pkg/ on one origin, drives Debian's Chromium with playwright-core, and checks what the
// page shows against what the simulator received (GET /_sim/requests).
//
//   node tests/page/page.mjs --sim-bin target/debug/mde-sim [--only SUBSTRING] [--update-docs 1]
//
// Screenshots go to artifacts/; --update-docs also copies the desktop one to docs/page.png.
//
// Then the core tests again with the page pointed at the edge Worker (edge/worker.mjs in
// workerd): "Custom base URL" = the Worker, token = its proxy key; and analysts' sign-in
// (tests/page/signin.mjs): MSAL in the page against the simulator's Entra ID over TLS, whose
// certificate Chromium trusts by its public key's hash (--ignore-certificate-errors-spki-list).
//
// Output: `ok - page: NAME` / `not ok - page: NAME` (+ indented detail) per test (the
// Worker's: `ok - page via Worker: NAME`), then `N passed, M failed`. Exit code 0 only if
// every test passed.

import {
  CHROMIUM_FLAGS, freePort, loggedBearer, parseArgs, simControl, startSim,
  IN_PROGRESS_ISOLATE, PENDING_AV_SCAN, PENDING_COLLECT, PENDING_ISOLATE, SEEDED_CANCELLED, SUCCEEDED,
} from "../support.mjs";
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";
import { writeConfig, startWorkerd } from "../edge/workerd.mjs";
import { registerTargetTests } from "./targets.mjs";
import { registerBulkTests } from "./bulk.mjs";
import { registerSigninTests } from "./signin.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const args = parseArgs(process.argv.slice(2));
const simBin = resolve(root, args["sim-bin"] ?? "target/debug/mde-sim");
const artifacts = join(root, "artifacts");
const AXE = join(root, "node_modules/axe-core/axe.min.js");

// The simulator also plays Entra ID for the Worker (client credentials); these are the
// app registration the Worker presents. The proxy key is what the page sends to the Worker.
const ENTRA_TENANT = "0d2c9a41-5e6f-4b7a-8c9d-0e1f2a3b4c5d";
const ENTRA_CLIENT_ID = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const ENTRA_SECRET = `page-client-secret-${randomBytes(12).toString("hex")}`;
const PROXY_KEY = `page-proxy-key-${randomBytes(12).toString("hex")}`;

const LR_COMPLETED = "c0ffee00-1111-4222-8333-444455556666";
const UNKNOWN = "00000000-0000-4000-8000-0000000000ff";
const HOSTILE_ID = "dead0bad-0000-4000-8000-000000000666";
const HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>";

// ---------------------------------------------------------------- simulator

function startPageSim() {
  return startSim(simBin, [
    "--static", "/=www", "--static", "/pkg=pkg", "--max-lifetime-secs", "900",
    // MSAL's browser build, from the pinned npm package; and Entra's sign-in over TLS.
    "--static", "/vendor=node_modules/@azure/msal-browser/lib", "--tls-port", "0",
    "--entra-tenant", ENTRA_TENANT, "--entra-client-id", ENTRA_CLIENT_ID, "--entra-client-secret", ENTRA_SECRET,
  ], { cwd: root });
}

let SIM = "";
let SIM_SECRET = "";
let TLS = null; // { url, spki, authority } of the simulator's Entra ID over TLS
/** The API app the Worker accepts user tokens for: the simulator's default --oidc-api-audience. */
const API_AUDIENCE = "33333333-0000-4000-8000-0000000000a1";

const sim = (method, path, body) => simControl({ url: SIM, secret: SIM_SECRET }, method, path, body);

/**
 * API requests the simulator received, preflights left out. (The simulator's log also
 * records the page's own static files — `/`, `/app.js`, `/pkg/…` — so only `/api` counts.)
 */
async function apiRequests() {
  return (await sim("GET", "/requests")).filter((r) => r.method !== "OPTIONS" && r.path.startsWith("/api"));
}

// ---------------------------------------------------------------- helpers

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;

/**
 * A fresh context and page that records page errors, CSP reports, console and dialogs.
 * `settings` (optional) is served as www/settings.js in place of the real one, e.g. to scale
 * the client's quota down; `path` is what to open instead of `/`.
 */
async function openPage(t, { settings, path = "/", ...options } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  t.cleanup.push(() => context.close());
  if (settings) {
    const body = Object.entries(settings).map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`).join("\n");
    await context.route("**/settings.js", (route) => route.fulfill({ status: 200, contentType: "text/javascript", body }));
  }
  const page = await context.newPage();
  t.page = page;
  t.context = context;
  page.on("pageerror", (e) => t.problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    t.console.push(m.text());
    if (/Content Security Policy|Refused to/i.test(m.text())) t.problems.push(`CSP: ${m.text()}`);
  });
  page.on("dialog", (d) => {
    t.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.setDefaultTimeout(8_000);
  await page.goto(`${SIM}${path}`);
  await page.waitForSelector("html[data-ready]");
  return page;
}

async function fillForm(page, id, comment) {
  await page.getByLabel("Machine action ID").fill(id);
  await page.getByLabel("Comment").fill(comment);
}

const cancelButton = (page) => page.getByRole("button", { name: "Cancel action" });
const confirmDialog = (page) => page.locator("#confirm-dialog");

/** Presses "Cancel action" and confirms the question the page asks (after reading the action). */
async function submitCancel(page) {
  await cancelButton(page).click();
  await confirmDialog(page).waitFor({ state: "visible" }).catch(async () => {
    throw new Error(`no confirmation was asked; the result area shows: ${(await page.locator("#result").innerText()).slice(0, 300)}`);
  });
  await page.getByRole("button", { name: "Cancel the action" }).click();
}

/** Opens the folded connection panel, if it is folded. */
async function openConnection(page) {
  if (!(await page.locator("#conn").evaluate((d) => d.open))) await page.locator("#conn summary").click();
}
const statusButton = (page) => page.getByRole("button", { name: "Check status" });
const badge = (page) => page.locator("#result .badge");

/** Types `id`, presses "Check status" and waits for the status badge to read `status`. */
async function checkStatus(page, id, status) {
  await page.getByLabel("Machine action ID").fill(id);
  await statusButton(page).click();
  await waitForBadge(page, status);
}

async function waitForBadge(page, text) {
  try {
    await page.locator("#result .badge", { hasText: text }).waitFor({ timeout: 8_000 });
  } catch {
    const shown = (await page.locator("#result").innerText()).slice(0, 300).replace(/\s+/g, " ");
    throw new Error(`badge "${text}" never appeared; the result area shows: ${shown}`);
  }
}

async function waitForErrorKind(page, kind) {
  try {
    await page.locator(`#result .error-box[data-kind="${kind}"]`).waitFor({ timeout: 8_000 });
  } catch {
    const shown = (await page.locator("#result").innerText()).slice(0, 300).replace(/\s+/g, " ");
    throw new Error(`no "${kind}" error appeared; the result area shows: ${shown}`);
  }
  return page.locator("#result").innerText();
}

async function axeScan(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${label}: ${v.impact} ${v.id} — ${v.help} — ${v.nodes.join(", ")}`);
}

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("cancel a Pending action from the form shows Cancelled", async (t) => {
  const page = await openPage(t);
  assert(!(await page.locator("#conn").evaluate((d) => d.open)), "the connection panel is not folded for the simulator");
  assert(/^Simulator · 127\.0\.0\.1:\d+$/.test(await page.locator("#conn-line").innerText()), `the folded line reads ${await page.locator("#conn-line").innerText()}`);
  await openConnection(page);
  assert(await page.getByRole("radio", { name: /Simulator/ }).isChecked(), "the Simulator target is not selected by default");
  assert(await page.locator("#token").inputValue() === "sim-token", "the simulator's token is not prefilled");
  assert(await page.locator("#token").getAttribute("type") === "password", "the token field is not type=password");
  // Pasted with surrounding whitespace: the page must trim it.
  await fillForm(page, `  ${PENDING_ISOLATE}\n`, "False positive, approved by IR lead");
  await cancelButton(page).click();
  // The page reads the action and asks, naming its type, scope and device, before sending.
  // The heading is in the page from the start: read it only once the dialog is open.
  await confirmDialog(page).waitFor();
  const question = await confirmDialog(page).locator("h2").innerText();
  assert(question === "Cancel Isolate (Full) on desktop-fin-042.contoso.local?", `the confirmation asks: ${question}`);
  assert((await apiRequests()).every((r) => r.method === "GET"), "something was sent before the confirmation");
  await page.getByRole("button", { name: "Cancel the action" }).click();
  await waitForBadge(page, "Cancelled");
  const text = await page.locator("#result").innerText();
  assert(await page.locator('#result-outcome[data-outcome="cancelled"]').isVisible(), "no \"cancelled\" outcome on the card");
  assert(/Cancelled by this request/.test(text), "the card does not say \"Cancelled by this request\"");
  assert(await page.locator("#result-notice").count() === 0, "a notice is shown although the package sent none");
  for (const expected of ["Isolate", "desktop-fin-042.contoso.local", "False positive, approved by IR lead",
    "soc-portal@contoso.onmicrosoft.com", "UTC", "(local)"]) {
    assert(text.includes(expected), `the result card does not show "${expected}"`);
  }
  const corr = (await page.locator("#correlation-id").textContent()) ?? "";
  assert(/^[0-9a-f-]{36}$/i.test(corr.trim()), `no correlation id shown (got "${corr}")`);
  await page.locator("#result summary", { hasText: "Raw JSON result" }).click();
  const raw = JSON.parse(await page.locator("#result details pre").textContent());
  assert(raw.outcome === "cancelled" && raw.notice === null, `the raw JSON's outcome/notice: ${raw.outcome}/${raw.notice}`);
  assert(raw.status_code === 200 && raw.json_body?.status === "Cancelled" && raw.response_headers?.["mise-correlation-id"] === corr.trim(),
    "the raw JSON does not hold status_code/json_body/response_headers of the answer");
  const reqs = await apiRequests();
  assert(reqs.length === 2, `expected 2 API requests (the read, the cancel), the simulator got ${reqs.length}`);
  assert(reqs[0].method === "GET" && reqs[0].path === `/api/machineactions/${PENDING_ISOLATE}`, `the first request is not the read: ${reqs[0].method} ${reqs[0].path}`);
  const r = reqs[1];
  assert(r.method === "POST" && r.path === `/api/machineactions/${PENDING_ISOLATE}/cancel`, `wrong request: ${r.method} ${r.path}`);
  assert(JSON.parse(r.body).Comment === "False positive, approved by IR lead", `wrong body: ${r.body}`);
  assert(r.headers.authorization === loggedBearer("sim-token"), "the request did not carry the simulator token");
  const stored = await sim("GET", `/actions/${PENDING_ISOLATE}`);
  assert(stored.status === "Cancelled", `the simulator's action reads ${stored.status}`);
});

test("Check status shows the current status without cancelling", async (t) => {
  const page = await openPage(t);
  await checkStatus(page, PENDING_AV_SCAN, "Pending");
  let text = await page.locator("#result").innerText();
  assert(text.includes("RunAntiVirusScan") && text.includes("can still be cancelled"), "the status card misses the type or the hint");
  await checkStatus(page, IN_PROGRESS_ISOLATE, "InProgress");
  await checkStatus(page, SUCCEEDED, "Succeeded");
  text = await page.locator("#result").innerText();
  assert(text.includes("can no longer be cancelled"), "a final state is not explained");
  const reqs = await apiRequests();
  assert(reqs.length === 3 && reqs.every((r) => r.method === "GET"), `expected 3 GETs, got ${reqs.map((r) => r.method).join(", ")}`);
  assert((await sim("GET", `/actions/${PENDING_AV_SCAN}`)).status === "Pending", "checking status changed the action");
});

test("invalid ID and empty comment show inline messages and send nothing", async (t) => {
  const page = await openPage(t);
  const id = page.getByLabel("Machine action ID");
  // Checked as you type: a character that can never be part of a GUID is flagged at once.
  await id.pressSequentially("0f5a1c2e-zz");
  assert(await id.getAttribute("aria-invalid") === "true", "the ID is not flagged while typing");
  assert(await page.locator("#id-error").isVisible(), "no inline message while typing an invalid ID");
  // A valid GUID clears it.
  await id.fill(PENDING_ISOLATE);
  assert(await id.getAttribute("aria-invalid") !== "true", "a valid GUID stays flagged");
  // Now wrong again, with an empty comment, and submit.
  await id.fill("12345-not-a-guid");
  await page.getByLabel("Comment").fill("   ");
  await statusButton(page).click(); // needs only the ID: flags it, sends nothing
  assert(await id.getAttribute("aria-invalid") === "true", "Check status with an invalid ID did not flag it");
  await cancelButton(page).click();
  await sleep(300);
  for (const [field, errorId] of [["Machine action ID", "id-error"], ["Comment", "comment-error"]]) {
    const input = page.getByLabel(field);
    assert(await input.getAttribute("aria-invalid") === "true", `${field}: aria-invalid is not true`);
    assert((await input.getAttribute("aria-describedby") ?? "").split(/\s+/).includes(errorId), `${field}: aria-describedby does not name #${errorId}`);
    const msg = page.locator(`#${errorId}`);
    assert(await msg.isVisible() && ((await msg.textContent()) ?? "").trim().length > 10, `${field}: no visible inline message`);
  }
  assert(/GUID/.test(await page.locator("#id-error").textContent()), "the ID message does not say a GUID is expected");
  assert(!(await page.locator("#result .badge, #result .error-box").count()), "a result was shown for invalid input");
  const reqs = await apiRequests();
  assert(reqs.length === 0, `the simulator received ${reqs.length} request(s): ${reqs.map((r) => `${r.method} ${r.path}`).join(", ")}`);
});

test("404, 403 and 429 show their specific messages", async (t) => {
  const page = await openPage(t);
  await fillForm(page, UNKNOWN, "stuck");
  await cancelButton(page).click();
  let text = await waitForErrorKind(page, "not_found");
  assert(/check the ID/i.test(text) && /cloud/i.test(text), `404 message does not say to check the ID and the cloud: ${text}`);

  await sim("POST", "/faults", {
    method: "POST", path_contains: "/cancel", status: 403,
    json: { error: { code: "Forbidden", message: "The application does not have any of the required application permissions (Machine.Isolate) to access the resource.", target: "4d8a1b3e-corr-403" } },
  });
  await page.getByLabel("Machine action ID").fill(PENDING_ISOLATE);
  await submitCancel(page);
  text = await waitForErrorKind(page, "forbidden");
  for (const p of ["Machine.Isolate", "Machine.Scan", "Machine.LiveResponse"]) {
    assert(text.includes(p), `403 message does not name ${p}`);
  }
  assert(text.includes("4d8a1b3e-corr-403"), "403: the correlation id (OData target) is not shown");
  assert(text.includes("Details:"), "403: the library's own message is not shown");

  await sim("POST", "/faults", {
    method: "POST", path_contains: "/cancel", status: 429, headers: { "Retry-After": "30" },
    json: { error: { code: "TooManyRequests", message: "Rate limit is exceeded." } },
  });
  await submitCancel(page);
  text = await waitForErrorKind(page, "rate_limited");
  assert(/retry after 30 s/i.test(text), `429 message does not say to retry after 30 s: ${text.slice(0, 200)}`);
  assert((await sim("GET", `/actions/${PENDING_ISOLATE}`)).status === "Pending", "the action changed although every cancel failed");
});

/** Cancels `id` from the form, then again: the first shows "cancelled", the second "already cancelled". */
async function cancelTwice(page, id, firstComment, secondComment) {
  await fillForm(page, id, firstComment);
  await submitCancel(page);
  await page.locator('#result-outcome[data-outcome="cancelled"]').waitFor();
  await page.getByLabel("Comment").fill(secondComment);
  await submitCancel(page);
  await page.locator('#result-outcome[data-outcome="already_cancelled"]').waitFor().catch(async () => {
    throw new Error(`no "already cancelled" outcome; the result area shows: ${(await page.locator("#result").innerText()).slice(0, 300)}`);
  });
}

test("a second cancel of the same action is a success: already cancelled before", async (t) => {
  const page = await openPage(t);
  await cancelTwice(page, PENDING_ISOLATE, "first cancel", "second cancel");
  await waitForBadge(page, "Cancelled");
  const text = await page.locator("#result").innerText();
  assert(/Already cancelled before — nothing to do/.test(text), "the card does not say it was already cancelled, nothing to do");
  assert(!/Cancelled by this request/.test(text), "the card claims this request cancelled it");
  assert(await page.locator("#result .error-box").count() === 0, "an already-cancelled action is shown as an error");
  assert(text.includes("first cancel"), "the card does not show the earlier cancellation's comment");
  // Defender's 400 to a second cancel is ordinary: no notice to alarm the analyst.
  assert(!(await page.locator("#result-notice").isVisible()), "a notice is shown for an ordinary second cancel");
  assert(/already cancelled/i.test(await page.locator("#live").textContent()), "the live region does not announce it");
  const reqs = (await apiRequests()).map((r) => `${r.method} ${r.path}`);
  const read = `GET /api/machineactions/${PENDING_ISOLATE}`;
  const cancel = `POST /api/machineactions/${PENDING_ISOLATE}/cancel`;
  // Each cancel is preceded by the read for the confirmation; the second is read back (its 400).
  const expected = [read, cancel, read, cancel, read];
  assert(JSON.stringify(reqs) === JSON.stringify(expected), `requests: ${reqs.join(", ")}`);
  const stored = await sim("GET", `/actions/${PENDING_ISOLATE}`);
  assert(stored.cancellationComment === "first cancel", `the second cancel changed the record: ${stored.cancellationComment}`);

  // An action cancelled by someone else (the seed) reads the same.
  await page.getByLabel("Machine action ID").fill(SEEDED_CANCELLED);
  await submitCancel(page);
  await page.locator("#result .mono-val", { hasText: SEEDED_CANCELLED }).waitFor();
  assert(await page.locator('#result-outcome[data-outcome="already_cancelled"]').isVisible(), "the seeded Cancelled action is not \"already cancelled\"");
});

test("cancelling a Succeeded action shows it is not cancellable, naming Succeeded", async (t) => {
  const page = await openPage(t);
  await fillForm(page, SUCCEEDED, "too late");
  await submitCancel(page);
  const text = await waitForErrorKind(page, "not_cancellable");
  const heading = await page.locator("#result-heading").innerText();
  assert(/Succeeded/.test(heading), `the heading does not name the final status: ${heading}`);
  assert(/nothing was changed/i.test(text), "the message does not say nothing was changed");
  assert(await page.locator("#result .badge", { hasText: "Succeeded" }).isVisible(), "no Succeeded badge for the final status");
  assert(/Unisolate/.test(text), "no advice on reversing a succeeded action");
  assert(/2 requests sent/.test(await page.locator("#error-attempts").innerText()), "the cancel and its read-back are not counted");
  assert(/Defender/.test(await page.locator("#error-source").innerText()), "the source is not shown");
  assert((await sim("GET", `/actions/${SUCCEEDED}`)).status === "Succeeded", "the action changed");
});

/** A Pending live response whose command already completed: a cancel comes with a notice. */
function seedCompletedLiveResponse() {
  return sim("PUT", `/actions/${LR_COMPLETED}`, {
    type: "LiveResponse", scope: null, requestor: "analyst@contoso.onmicrosoft.com", requestorComment: "collect logs",
    status: "Pending", machineId: "7c3f8a9e2d1b4c6f8e0a9b7d5c3e1f2a4b6c8d0e", computerDnsName: "srv-web-07.contoso.local",
    creationDateTimeUtc: "2025-03-04T10:00:00.1234567Z", lastUpdateDateTimeUtc: "2025-03-04T10:01:00Z",
    commands: [{
      index: 0, startTime: "2025-03-04T10:00:30Z", endTime: "2025-03-04T10:00:58Z", commandStatus: "Completed", errors: [],
      command: { type: "RunScript", params: [{ key: "ScriptName", value: "collect.ps1" }] },
    }],
  });
}

test("a cancelled live-response action whose command completed shows the notice", async (t) => {
  await seedCompletedLiveResponse();
  const page = await openPage(t);
  await fillForm(page, LR_COMPLETED, "wrong script");
  await submitCancel(page);
  await waitForBadge(page, "Cancelled");
  const notice = page.locator("#result-notice");
  assert(await notice.isVisible(), "no notice on the card");
  const said = (await notice.innerText()).trim();
  assert(/completed/i.test(said) && /not undone/i.test(said), `the notice does not say the command completed and was not undone: ${said}`);
  assert(await page.locator('#result-outcome[data-outcome="cancelled"]').isVisible(), "the outcome is not \"cancelled\"");
  // Above the facts, so it is seen first.
  const order = await page.evaluate(() => {
    const n = document.getElementById("result-notice");
    const facts = document.querySelector("#result dl.facts");
    return Boolean(n.compareDocumentPosition(facts) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert(order, "the notice is not above the facts");
  assert(/not undone/i.test(await page.locator("#live").textContent()), "the live region does not announce the notice");
});

test("retried 503s show the attempts count", async (t) => {
  await sim("POST", "/faults", {
    method: "POST", path_contains: "/cancel", status: 503, times: 3,
    json: { error: { code: "ServiceUnavailable", message: "Try later.", target: "5e6f-corr-503" } },
  });
  const page = await openPage(t);
  await fillForm(page, PENDING_COLLECT, "retry me");
  await submitCancel(page);
  const text = await waitForErrorKind(page, "server");
  assert(/3 requests/.test(await page.locator("#error-attempts").innerText()), "the attempts count is not shown");
  assert(/Gave up after 3 attempts/.test(text), "the library's message (Gave up after 3 attempts) is not shown");
  const posts = (await apiRequests()).filter((r) => r.method === "POST");
  assert(posts.length === 3, `expected 3 cancels, the simulator got ${posts.length}`);
});

test("Stop aborts a slow request and the buttons come back", async (t) => {
  const page = await openPage(t);
  await sim("POST", "/faults", { method: "POST", path_contains: "/cancel", delay_ms: 10_000, status: 200, json: {} });
  await fillForm(page, PENDING_COLLECT, "wrong device");
  await submitCancel(page);
  const stop = page.getByRole("button", { name: "Stop" });
  await stop.waitFor({ state: "visible", timeout: 3_000 });
  assert(await cancelButton(page).isDisabled() && await statusButton(page).isDisabled(), "the buttons are not disabled while the request runs");
  assert(await page.locator("#progress").isVisible(), "no progress is visible while the request runs");
  await sleep(400);
  const t0 = Date.now();
  await stop.click();
  const text = await waitForErrorKind(page, "aborted");
  const took = Date.now() - t0;
  assert(took < 2_000, `the aborted message took ${took} ms`);
  assert(/unknown/i.test(text) && /check status/i.test(text), "the aborted message does not say the state is unknown / to check status");
  assert(await cancelButton(page).isEnabled() && await statusButton(page).isEnabled(), "the buttons did not come back");
  assert(!(await stop.isVisible()), "Stop is still shown");
  assert(!(await page.locator("#progress").isVisible()), "progress is still shown");
});

test("a hostile string from the server renders as inert text", async (t) => {
  await sim("PUT", `/actions/${HOSTILE_ID}`, {
    type: "Isolate", title: HOSTILE, requestor: HOSTILE, requestorComment: HOSTILE, status: "Pending",
    machineId: HOSTILE, computerDnsName: HOSTILE, creationDateTimeUtc: HOSTILE,
    lastUpdateDateTimeUtc: "2025-01-01T00:00:00.1234567Z", scope: "Full", commands: [],
  });
  const page = await openPage(t);
  const scriptsBefore = await page.locator("script").count();
  await checkStatus(page, HOSTILE_ID, "Pending");
  await page.getByLabel("Comment").fill(HOSTILE);
  await cancelButton(page).click();
  // The confirmation names the type and device as text, too.
  await confirmDialog(page).waitFor();
  assert((await confirmDialog(page).locator("h2").innerText()).includes(HOSTILE), "the confirmation does not show the device name literally");
  assert(await confirmDialog(page).locator("img, script").count() === 0, "the confirmation holds an element made from the server's text");
  await page.getByRole("button", { name: "Cancel the action" }).click();
  await waitForBadge(page, "Cancelled");
  await page.locator("#result summary").click();
  await sleep(500);
  assert(t.dialogs.length === 0, `a dialog opened: ${t.dialogs.join(", ")}`);
  assert(await page.locator("#result img").count() === 0, "an <img> element was created in the result");
  assert(await page.locator("img[src='x']").count() === 0, "an <img src=x> exists in the document");
  assert(await page.locator("script").count() === scriptsBefore, "a <script> element was added");
  const visible = await page.locator("#result dl").innerText();
  assert(visible.includes(HOSTILE), "the hostile string is not visible literally in the card");
  const dnsCell = page.locator("#result dd", { hasText: "<img src=x" }).first();
  assert(await dnsCell.isVisible(), "the literal text is not visible");
});

test("keyboard only: Tab, type, Enter and Space on Cancel action", async (t) => {
  const page = await openPage(t);
  const kb = page.keyboard;
  const active = () => page.evaluate(() => document.activeElement?.id ?? "");
  async function tabTo(id, limit = 60) {
    for (let i = 0; i < limit; i += 1) {
      if (await active() === id) return;
      await kb.press("Tab");
    }
    throw new Error(`Tab never reached #${id} (stuck at #${await active()})`);
  }
  for (const [id, key, action] of [[PENDING_ISOLATE, "Enter", "first"], [PENDING_AV_SCAN, "Space", "second"]]) {
    await tabTo("action-id");
    await kb.press("ControlOrMeta+a");
    await kb.type(id);
    await kb.press("Tab");
    assert(await active() === "comment", `Tab from the ID went to #${await active()}, not the comment`);
    await kb.press("ControlOrMeta+a");
    await kb.type(`keyboard ${action}`);
    await kb.press("Tab");
    assert(await active() === "cancel-btn", `Tab from the comment went to #${await active()}, not "Cancel action"`);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== "none", "the focused button has no visible focus outline");
    await kb.press(key);
    // The confirmation opens on "Keep it"; Tab reaches "Cancel the action".
    await confirmDialog(page).waitFor();
    assert(await active() === "confirm-no", `the confirmation opened with focus on #${await active()}, not "Keep it"`);
    await kb.press("Tab");
    assert(await active() === "confirm-yes", `Tab in the confirmation went to #${await active()}`);
    await kb.press(key);
    // The card must be this action's: the first round's card also shows "Cancelled".
    await page.locator("#result .mono-val", { hasText: id }).waitFor({ timeout: 8_000 }).catch(() => {
      throw new Error(`${key} on "Cancel action" did not show the result for ${id}`);
    });
    await page.locator("#result .badge", { hasText: "Cancelled" }).waitFor({ timeout: 8_000 }).catch(() => {
      throw new Error(`${key} on "Cancel action" did not lead to Cancelled`);
    });
    assert((await sim("GET", `/actions/${id}`)).status === "Cancelled", `${key}: the simulator's action is not Cancelled`);
    const focused = await active();
    assert(focused === "cancel-btn", `focus did not return to "Cancel action" after the request (it is on #${focused})`);
  }
  const posts = (await apiRequests()).filter((r) => r.method === "POST");
  assert(posts.length === 2, `expected 2 cancels, the simulator got ${posts.length}`);
});

test("the token never reaches storage, cookies, the URL or the console", async (t) => {
  const page = await openPage(t);
  const SECRET = "eyJ0eXAiOi.secret-token-for-page-test.9f3c";
  await fillForm(page, PENDING_ISOLATE, "token check");
  await submitCancel(page);
  await waitForBadge(page, "Cancelled");
  // Also a token the user typed (refused by the simulator: 401).
  await openConnection(page);
  await page.getByLabel(/token/i).fill(SECRET);
  await page.getByLabel("Machine action ID").fill(PENDING_AV_SCAN);
  await cancelButton(page).click();
  const text = await waitForErrorKind(page, "unauthorized");
  assert(/expired/i.test(text) && /audience/i.test(text), "the 401 message does not mention expiry and audience");
  const sent = (await apiRequests()).map((r) => r.headers.authorization);
  assert(sent.includes(loggedBearer("sim-token")) && sent.includes(loggedBearer(SECRET)), "the tokens were not both sent (test is not meaningful)");
  const seen = await page.evaluate(() => ({
    local: JSON.stringify(Object.entries(localStorage)),
    session: JSON.stringify(Object.entries(sessionStorage)),
    cookie: document.cookie,
    url: location.href,
    text: document.body.innerText,
    history: history.length,
  }));
  const cookies = JSON.stringify(await t.context.cookies());
  for (const token of ["sim-token", SECRET]) {
    for (const [where, value] of [["localStorage", seen.local], ["sessionStorage", seen.session], ["document.cookie", seen.cookie],
      ["cookies", cookies], ["URL", seen.url], ["URL", page.url()], ["console", t.console.join("\n")]]) {
      assert(!value.includes(token), `the token "${token.slice(0, 12)}…" appears in ${where}`);
    }
  }
  assert(!seen.text.includes(SECRET), "the typed token appears in the page text");
});

test("axe-core: no serious or critical violations, light and dark, before and after a result", async (t) => {
  const problems = [];
  for (const colorScheme of ["light", "dark"]) {
    await sim("POST", "/reset");
    const page = await openPage(t, { bypassCSP: true, colorScheme });
    problems.push(...await axeScan(page, `${colorScheme}, initial`));
    await fillForm(page, PENDING_ISOLATE, "axe");
    await submitCancel(page);
    await waitForBadge(page, "Cancelled");
    await page.locator("#result summary").click();
    problems.push(...await axeScan(page, `${colorScheme}, after a cancel`));
    await page.getByLabel("Comment").fill("again");
    await submitCancel(page);
    await page.locator('#result-outcome[data-outcome="already_cancelled"]').waitFor();
    problems.push(...await axeScan(page, `${colorScheme}, already cancelled`));
    await seedCompletedLiveResponse();
    await page.getByLabel("Machine action ID").fill(LR_COMPLETED);
    await submitCancel(page);
    await page.locator("#result-notice").waitFor();
    problems.push(...await axeScan(page, `${colorScheme}, cancelled, with a notice`));
    await page.getByLabel("Machine action ID").fill(SUCCEEDED);
    await submitCancel(page);
    await waitForErrorKind(page, "not_cancellable");
    problems.push(...await axeScan(page, `${colorScheme}, not cancellable`));
    await page.getByLabel("Machine action ID").fill(UNKNOWN);
    await cancelButton(page).click();
    await waitForErrorKind(page, "not_found");
    await page.getByLabel("Machine action ID").fill("nope");
    await page.getByLabel("Machine action ID").blur();
    problems.push(...await axeScan(page, `${colorScheme}, after an error`));
  }
  assert(problems.length === 0, problems.join("\n"));
});

test("screenshots at 1280 px and 360 px after a cancel", async (t) => {
  await mkdir(artifacts, { recursive: true });
  const shots = [
    ["page-desktop.png", { width: 1280, height: 860 }, "light"],
    ["page-360.png", { width: 360, height: 760 }, "light"],
    ["page-desktop-dark.png", { width: 1280, height: 860 }, "dark"],
    ["page-360-dark.png", { width: 360, height: 760 }, "dark"],
  ];
  for (const [file, viewport, colorScheme] of shots) {
    await sim("POST", "/reset");
    const page = await openPage(t, { viewport, colorScheme });
    await fillForm(page, PENDING_ISOLATE, "False positive: the alert was a sanctioned pen test (ticket SOC-4821).");
    await submitCancel(page);
    await waitForBadge(page, "Cancelled");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `${file}: the page is ${overflow} px wider than the ${viewport.width} px viewport`);
    await page.evaluate(() => document.activeElement?.blur());
    const path = join(artifacts, file);
    await writeFile(path, repackPng(await page.screenshot({ fullPage: true })));
    assert((await stat(path)).size > 10_000, `${file} is suspiciously small`);
  }
  const desktop = join(artifacts, "page-desktop.png");
  const size = (await stat(desktop)).size;
  assert(size < 200 * 1024, `the README's screenshot would be ${Math.round(size / 1024)} KB (over 200 KB)`);
  // The README's picture changes only when asked, so a test run leaves the tree clean.
  if (args["update-docs"] !== undefined) await copyFile(desktop, join(root, "docs/page.png"));
});

// ---------------------------------------------------------------- the page against the edge Worker

registerTargetTests({
  test, assert, openPage, openConnection, sim, apiRequests, waitForBadge, waitForErrorKind, SEEDED_CANCELLED, SIM: () => SIM,
});

// The same page, its connection set to "Custom base URL" = the Worker (edge/worker.mjs in
// real workerd, the way tests/edge/edge.mjs runs it) and its token field = the proxy key.
// The Worker gets Entra tokens from the simulator and calls the simulator's API; CORS is
// allowed for the page's origin (the simulator serving www/) only.

let WORKER = "";
let workerd = null;
let workerStartError = null;
const workerdOutput = [];


async function startWorker() {
  const port = await freePort();
  const config = writeConfig({
    dir: join(root, "target/page-edge"),
    workers: [{
      name: "page-edge",
      port,
      env: {
        PROXY_API_KEY: PROXY_KEY,
        TENANT_ID: ENTRA_TENANT,
        CLIENT_ID: ENTRA_CLIENT_ID,
        CLIENT_SECRET: ENTRA_SECRET,
        MDE_BASE_URL: SIM,
        ENTRA_AUTHORITY_URL: SIM,
        ALLOWED_ORIGINS: new URL(SIM).origin,
        MDE_TIMEOUT_MS: "10000",
        // Analysts' sign-in: tokens issued by the simulator's Entra (issuer on its TLS port);
        // the keys from its plain port, as workerd does not trust the test certificate.
        AUTH_TENANT_ID: ENTRA_TENANT,
        AUTH_CLIENT_ID: API_AUDIENCE,
        AUTH_AUTHORITY: TLS.url,
        AUTH_JWKS_URL: `${SIM}/${ENTRA_TENANT}/discovery/v2.0/keys`,
      },
    }],
  });
  workerd = startWorkerd(config, "pipe");
  workerd.stdout.on("data", (d) => workerdOutput.push(String(d)));
  workerd.stderr.on("data", (d) => workerdOutput.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (workerd.exitCode !== null) throw new Error(`workerd exited with ${workerd.exitCode}: ${workerdOutput.join("").slice(-400)}`);
    try {
      await fetch(`${url}/`);
      return url;
    } catch {
      if (Date.now() > until) throw new Error(`workerd did not listen on ${url} within 15 s: ${workerdOutput.join("").slice(-400)}`);
      await sleep(100);
    }
  }
}

const viaWorker = (name, fn) => tests.push({ group: "page via Worker", name, fn, worker: true });

/** The page with its connection set to the Worker and the token field holding `key`. */
async function openWorkerPage(t, key = PROXY_KEY, options = {}) {
  // /_sim/reset (before every test) forgets the Entra tokens the simulator issued, so the
  // Worker's cached token would draw a 401 and a retry with a fresh one: renew it first,
  // then clear the request log so a test sees only its own requests.
  const warm = await fetch(`${WORKER}/api/machineactions/${SEEDED_CANCELLED}`, { headers: { Authorization: `Bearer ${PROXY_KEY}` } });
  assert(warm.status === 200, `the Worker did not answer a GET with 200 (got ${warm.status} ${await warm.text()})`);
  await sim("DELETE", "/requests");
  const page = await openPage(t, options);
  await openConnection(page);
  await page.getByRole("radio", { name: /Custom base URL/ }).check();
  await page.locator("#custom-url").fill(WORKER);
  assert(await page.locator("#token").inputValue() === "", "the simulator's token was left in the field for a custom target");
  await page.getByLabel("Proxy key or bearer token", { exact: true }).fill(key);
  assert((await page.locator("#endpoint").textContent()).startsWith(WORKER), "the endpoint line does not show the Worker's URL");
  return page;
}

/** Where a credential must never be: [place, text] pairs — storage, cookies, the URL, the console, the page's text, the Worker's log. */
async function secretPlaces(t, page) {
  const seen = await page.evaluate(() => ({
    local: JSON.stringify(Object.entries(localStorage)),
    session: JSON.stringify(Object.entries(sessionStorage)),
    cookie: document.cookie,
    url: location.href,
    text: document.body.innerText,
  }));
  const cookies = JSON.stringify(await t.context.cookies());
  return [["localStorage", seen.local], ["sessionStorage", seen.session], ["document.cookie", seen.cookie],
    ["cookies", cookies], ["URL", seen.url], ["URL", page.url()], ["console", t.console.join("\n")], ["page text", seen.text],
    ["the Worker's log", workerdOutput.join("")]];
}

async function assertKeyKept(t, page, key) {
  for (const [where, value] of await secretPlaces(t, page)) {
    assert(!value.includes(key), `the proxy key appears in ${where}`);
  }
}

viaWorker("cancel a Pending action shows Cancelled", async (t) => {
  const page = await openWorkerPage(t);
  await fillForm(page, PENDING_ISOLATE, "Cancelled through the edge proxy");
  await submitCancel(page);
  await waitForBadge(page, "Cancelled");
  const text = await page.locator("#result").innerText();
  assert(/Cancelled by this request/.test(text), "the card does not say \"Cancelled by this request\"");
  assert(text.includes("Cancelled through the edge proxy") && text.includes("desktop-fin-042.contoso.local"), "the card misses the comment or the machine");
  const corr = ((await page.locator("#correlation-id").textContent()) ?? "").trim();
  assert(/^[0-9a-f-]{36}$/i.test(corr), `the Worker's exposed correlation id is not shown (got "${corr}")`);
  // The Worker, not the page, called Defender (the simulator), with an Entra token.
  const reqs = await apiRequests();
  assert(reqs.length === 2, `expected 2 API requests upstream (the read, the cancel), the simulator got ${reqs.length}`);
  assert(reqs[0].method === "GET" && reqs[0].path === `/api/machineactions/${PENDING_ISOLATE}`, `wrong upstream read: ${reqs[0].method} ${reqs[0].path}`);
  assert(reqs[1].method === "POST" && reqs[1].path === `/api/machineactions/${PENDING_ISOLATE}/cancel`, `wrong upstream request: ${reqs[1].method} ${reqs[1].path}`);
  assert(reqs.every((r) => r.token === "issued"), "upstream did not carry an Entra token from the simulator");
  assert(JSON.parse(reqs[1].body).Comment === "Cancelled through the edge proxy", `wrong upstream body: ${reqs[1].body}`);
  assert((await sim("GET", `/actions/${PENDING_ISOLATE}`)).status === "Cancelled", "the simulator's action is not Cancelled");
  await assertKeyKept(t, page, PROXY_KEY);
});

viaWorker("a second cancel shows already cancelled, not a cancel of its own", async (t) => {
  const page = await openWorkerPage(t);
  await cancelTwice(page, PENDING_ISOLATE, "first", "second");
  assert((await sim("GET", `/actions/${PENDING_ISOLATE}`)).cancellationComment === "first", "the second cancel changed the record");
});

viaWorker("Check status shows the current status", async (t) => {
  const page = await openWorkerPage(t);
  await checkStatus(page, PENDING_AV_SCAN, "Pending");
  assert(/can still be cancelled/.test(await page.locator("#result").innerText()), "the Pending hint is missing");
  await checkStatus(page, SUCCEEDED, "Succeeded");
  const reqs = await apiRequests();
  assert(reqs.length === 2 && reqs.every((r) => r.method === "GET"), `expected 2 GETs upstream, got ${reqs.map((r) => r.method).join(", ")}`);
  assert((await sim("GET", `/actions/${PENDING_AV_SCAN}`)).status === "Pending", "checking status changed the action");
});

viaWorker("404 shows its message", async (t) => {
  const page = await openWorkerPage(t);
  await fillForm(page, UNKNOWN, "stuck");
  await cancelButton(page).click();
  const text = await waitForErrorKind(page, "not_found");
  assert(/check the ID/i.test(text) && /cloud/i.test(text), `404 message does not say to check the ID and the cloud: ${text}`);
  assert(text.includes("ResourceNotFound"), "the OData error code is not shown");
  assert(await page.locator("#correlation-id").isVisible(), "no correlation id for the 404");
});

viaWorker("a wrong proxy key shows the 401 message and nothing goes upstream", async (t) => {
  const WRONG = `wrong-proxy-key-${randomBytes(8).toString("hex")}`;
  const page = await openWorkerPage(t, WRONG);
  await fillForm(page, PENDING_ISOLATE, "wrong key");
  await cancelButton(page).click();
  const text = await waitForErrorKind(page, "unauthorized");
  assert(/401/.test(await page.locator("#result-heading").innerText()), "the heading does not give the 401");
  assert(/proxy('s)? key/i.test(text) && /PROXY_API_KEY/.test(text), `the 401 message does not point at the proxy key: ${text.slice(0, 300)}`);
  assert(!/Gave up after/.test(text), "a 401 was retried");
  assert((await apiRequests()).length === 0, "a request reached the simulator's API");
  assert((await sim("GET", `/actions/${PENDING_ISOLATE}`)).status === "Pending", "the action changed");
  // Then the right key works in the same tab.
  await page.getByLabel("Proxy key or bearer token", { exact: true }).fill(PROXY_KEY);
  await submitCancel(page);
  await waitForBadge(page, "Cancelled");
  await assertKeyKept(t, page, WRONG);
  await assertKeyKept(t, page, PROXY_KEY);
});

// ---------------------------------------------------------------- Find and bulk cancel (tests/page/bulk.mjs)

registerSigninTests({
  viaWorker, assert, openWorkerPage, fillForm, submitCancel, sim, apiRequests, waitForBadge, waitForErrorKind,
  secretPlaces, PENDING_ISOLATE, API_AUDIENCE, TLS: () => TLS, WORKER: () => WORKER, workerLog: () => workerdOutput.join(""),
});

registerBulkTests({
  test, viaWorker, assert, sleep, openPage, openWorkerPage, openConnection, sim, apiRequests, axeScan, waitForBadge,
  submitCancel, confirmDialog, repackPng, args, root, artifacts, SIM: () => SIM,
  PENDING_ISOLATE, HOSTILE, HOSTILE_ID,
});

/**
 * Re-encodes an 8-bit RGB/RGBA PNG losslessly (same pixels) with filter "none" on every row
 * and deflate level 9: for flat UI screenshots that is ~15% smaller than Chromium's own
 * encoding, which keeps docs/page.png under 200 KB. Other PNG kinds are returned as they are.
 */
function repackPng(png) {
  const chunks = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    chunks.push({ type: png.toString("latin1", off + 4, off + 8), data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  const ihdr = chunks.find((c) => c.type === "IHDR")?.data;
  const bpp = { 2: 3, 6: 4 }[ihdr?.[9]];
  if (!ihdr || ihdr[8] !== 8 || ihdr[12] !== 0 || !bpp) return png;
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4), rowLen = width * bpp;
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  const out = Buffer.alloc(raw.length);
  let prev = Buffer.alloc(rowLen);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (rowLen + 1)];
    const src = raw.subarray(y * (rowLen + 1) + 1, (y + 1) * (rowLen + 1));
    const cur = out.subarray(y * (rowLen + 1) + 1, (y + 1) * (rowLen + 1));
    for (let i = 0; i < rowLen; i += 1) {
      const a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = (src[i] + p) & 255;
    }
    out[y * (rowLen + 1)] = 0;
    prev = cur;
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const kept = chunks.filter((c) => !["IHDR", "IDAT", "IEND"].includes(c.type)).map((c) => chunk(c.type, c.data));
  return Buffer.concat([png.subarray(0, 8), chunk("IHDR", ihdr), ...kept,
    chunk("IDAT", zlib.deflateSync(out, { level: 9, memLevel: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

// ---------------------------------------------------------------- runner

const started = Date.now();
let passed = 0;
let failed = 0;
let simProcess;
try {
  const s = await startPageSim();
  simProcess = s.child;
  SIM = s.url;
  SIM_SECRET = s.secret;
  TLS = s.tls;
  // Trust exactly the simulator's certificate (by its key), not every certificate.
  const trust = `--ignore-certificate-errors-spki-list=${TLS.spki}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: [...CHROMIUM_FLAGS, trust] });
  for (const { group = "page", name, fn, worker } of tests) {
    if (args.only && !`${group}: ${name}`.includes(args.only)) continue;
    const t = { cleanup: [], problems: [], console: [], dialogs: [] };
    let error = null;
    try {
      if (worker && !WORKER) {
        if (!workerStartError) WORKER = await startWorker().catch((e) => { workerStartError = e; return ""; });
        if (workerStartError) throw new Error(`the Worker could not start: ${workerStartError.message}`);
      }
      await sim("POST", "/reset");
      let timer;
      await Promise.race([
        fn(t),
        new Promise((_, fail) => { timer = setTimeout(() => fail(new Error("timed out after 60 s")), 60_000); }),
      ]).finally(() => clearTimeout(timer));
      if (t.problems.length) throw new Error(t.problems.join("\n"));
    } catch (e) {
      error = e;
    }
    for (const c of t.cleanup.reverse()) await c().catch(() => {});
    if (error) {
      failed += 1;
      console.log(`not ok - ${group}: ${name}`);
      for (const line of String(error.message ?? error).split("\n").slice(0, 12)) console.log(`    ${line}`);
    } else {
      passed += 1;
      console.log(`ok - ${group}: ${name}`);
    }
  }
} catch (e) {
  failed += 1;
  console.log("not ok - page: the tests could not run");
  console.log(`    ${String(e.message ?? e).split("\n")[0]}`);
} finally {
  await browser?.close().catch(() => {});
  if (workerd && workerd.exitCode === null) workerd.kill("SIGTERM");
  if (simProcess) {
    simProcess.stdin.end();
    simProcess.kill();
  }
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
