// The page's script: form handling, the connection panel and rendering of results.
// Rules kept here: the token lives in memory only (the password field, one saved value per
// destination in tokens.js, and one local variable per request; nothing is stored, logged or
// put in the URL), and every string that came from a server is rendered with textContent /
// text nodes, never as HTML.

import init, { MachineActionsClient, checkMachineActionId, isMachineActionError } from "../pkg/mde_machine_actions.js";
import { TokenSlots } from "./tokens.js";

const SIM_TOKEN = "sim-token";
const TIMEOUT_MS = 30_000;
const CANCEL_PERMISSIONS = [
  "Machine.Isolate", "Machine.Scan", "Machine.LiveResponse", "Machine.CollectForensics",
  "Machine.RestrictExecution", "Machine.StopAndQuarantine", "Machine.Offboard",
];
const READ_PERMISSIONS = ["Machine.Read.All or Machine.ReadWrite.All (application)", "Machine.Read or Machine.ReadWrite (delegated)"];
/** Completes a typed prefix into an id the package accepts, if it can become one. */
const COMPLETION = "00000000-0000-0000-0000-000000000000";
const OPEN_STATES = new Set(["Pending", "InProgress"]);
/** What an analyst can do about an action that finished before the cancel. */
const FINAL_ADVICE = {
  Succeeded: "What it did on the device stays done. To reverse it, start the opposite action (for example, release an isolated device with Unisolate).",
  Failed: "It failed on the device by itself; there is nothing to cancel. Check status for its error code.",
  TimeOut: "The device never completed it in time; there is nothing to cancel. Start it again if it is still needed.",
};

const $ = (id) => document.getElementById(id);
const el = {
  form: $("action-form"),
  id: $("action-id"),
  idError: $("id-error"),
  comment: $("comment"),
  commentError: $("comment-error"),
  commentCount: $("comment-count"),
  cancelBtn: $("cancel-btn"),
  statusBtn: $("status-btn"),
  stopBtn: $("stop-btn"),
  progress: $("progress"),
  progressText: $("progress-text"),
  live: $("live"),
  result: $("result"),
  targets: [...document.querySelectorAll('input[name="target"]')],
  targetSim: $("target-sim"),
  cloudField: $("cloud-field"),
  cloud: $("cloud"),
  customField: $("custom-field"),
  customUrl: $("custom-url"),
  customError: $("custom-error"),
  token: $("token"),
  tokenLabel: $("token-label"),
  tokenHint: $("token-hint"),
  endpoint: $("endpoint"),
};

// ---------------------------------------------------------------- start-up

let wasmError = null;
const wasmReady = init().catch((e) => {
  wasmError = e;
});

let simAvailable = false;
let controller = null; // the AbortController of the running request, if any

/** The simulator marks the files it serves (the page needs none of its controls). */
async function detectSimulator() {
  try {
    const r = await fetch(location.pathname, { method: "HEAD", cache: "no-store", credentials: "omit" });
    return r.ok && r.headers.get("x-mde-simulator") === "1";
  } catch {
    return false;
  }
}

async function start() {
  simAvailable = await detectSimulator();
  if (!simAvailable) {
    el.targetSim.disabled = true;
    el.targetSim.nextElementSibling.querySelector(".muted").textContent = "(not detected on this server)";
  }
  selectTarget(simAvailable ? "sim" : "cloud");
  await wasmReady;
  if (wasmError) {
    renderFailure("The page could not load its WebAssembly package",
      ["Reload the page. If it keeps failing, check that /pkg/ is served with the application/wasm MIME type."],
      String(wasmError && wasmError.message ? wasmError.message : wasmError));
  }
  document.documentElement.dataset.ready = "true";
}

// ---------------------------------------------------------------- connection panel

function currentTarget() {
  return el.targets.find((t) => t.checked)?.value ?? "cloud";
}

function selectTarget(value) {
  for (const t of el.targets) t.checked = t.value === value;
  applyTarget();
}

function applyTarget() {
  const target = currentTarget();
  el.cloudField.hidden = target !== "cloud";
  el.customField.hidden = target !== "custom";
  if (target === "sim") {
    el.tokenLabel.textContent = "Simulator token";
    el.tokenHint.textContent = `The simulator's token (${SIM_TOKEN}) is filled in. Kept in this tab's memory only.`;
  } else if (target === "custom") {
    el.tokenLabel.textContent = "Proxy key or bearer token";
    el.tokenHint.textContent = "The key your edge proxy expects (sent as Authorization: Bearer …), or a Defender access token if the proxy forwards yours. Kept in this tab's memory only, for this URL alone — never stored, never put in the URL.";
  } else {
    el.tokenLabel.textContent = "Bearer token";
    el.tokenHint.textContent = "An access token for the Defender API (audience https://api.securitycenter.microsoft.com). Kept in this tab's memory only, for Microsoft alone — never stored, never put in the URL.";
  }
  tokens.sync();
  updateEndpoint();
}

/** Where a request would go: "sim", "cloud", or the custom URL's origin (null while it is not valid). */
function destination() {
  const target = currentTarget();
  if (target !== "custom") return target;
  try {
    const url = new URL(el.customUrl.value.trim());
    return ["https:", "http:"].includes(url.protocol) ? url.origin : null;
  } catch {
    return null;
  }
}

const tokens = new TokenSlots(el.token, destination, { sim: SIM_TOKEN });

function baseUrl() {
  switch (currentTarget()) {
    case "sim":
      return location.origin;
    case "custom":
      return el.customUrl.value.trim().replace(/\/+$/, "");
    default:
      return el.cloud.value;
  }
}

function updateEndpoint() {
  const base = baseUrl();
  el.endpoint.textContent = base ? `${base}/api/machineactions/…` : "— enter a base URL —";
}

// The connection panel is a form only so the token field sits in one; it never submits.
$("conn-form").addEventListener("submit", (event) => event.preventDefault());
for (const t of el.targets) t.addEventListener("change", applyTarget);
el.cloud.addEventListener("change", updateEndpoint);
el.customUrl.addEventListener("input", () => {
  updateEndpoint();
  if (el.customUrl.getAttribute("aria-invalid") === "true") checkCustomUrl();
});
// Once the URL is committed (not on every keystroke, which passes through other origins).
el.customUrl.addEventListener("change", () => tokens.sync());

function checkCustomUrl() {
  const value = el.customUrl.value.trim();
  let problem = null;
  if (!value) {
    problem = "Enter the base URL of your edge proxy, e.g. https://mde-proxy.example.com.";
  } else {
    let url = null;
    try {
      url = new URL(value);
    } catch {
      problem = "This is not a URL. Start with https://.";
    }
    if (url && url.protocol !== "https:" && !(url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))) {
      problem = "Use https (plain http is allowed for localhost only).";
    }
  }
  setFieldError(el.customUrl, el.customError, problem);
  return problem === null;
}

// ---------------------------------------------------------------- form validation

function setFieldError(input, errorEl, message) {
  if (message) {
    errorEl.textContent = message;
    errorEl.hidden = false;
    input.setAttribute("aria-invalid", "true");
  } else {
    errorEl.textContent = "";
    errorEl.hidden = true;
    input.removeAttribute("aria-invalid");
  }
}

/**
 * "valid", "empty", "partial" (could still become a valid id: the package
 * accepts it completed with zeros) or "invalid" — all by the package's rule.
 */
function classifyId(raw) {
  const v = raw.trim();
  if (v === "") return "empty";
  if (checkMachineActionId(v) === null) return "valid";
  const partial = v.length < COMPLETION.length && checkMachineActionId(v + COMPLETION.slice(v.length)) === null;
  return partial ? "partial" : "invalid";
}

function idMessage(raw, state) {
  const v = raw.trim();
  if (state === "empty") return "Enter the machine action ID.";
  if (state === "partial") return `Too short: a machine action ID has 36 characters (you have ${v.length}).`;
  return checkMachineActionId(v);
}

/** Checks the ID; `final` also rejects an empty or incomplete one. Returns the trimmed ID or null. */
function checkId(final) {
  const state = classifyId(el.id.value);
  el.id.classList.toggle("valid", state === "valid");
  if (state === "valid") {
    setFieldError(el.id, el.idError, null);
    return el.id.value.trim();
  }
  const flagged = el.id.getAttribute("aria-invalid") === "true";
  if (state === "invalid" || final || (flagged && state !== "empty")) {
    setFieldError(el.id, el.idError, idMessage(el.id.value, state));
  } else {
    setFieldError(el.id, el.idError, null);
  }
  return null;
}

function checkComment(final) {
  const ok = el.comment.value.trim() !== "";
  if (ok || final) {
    setFieldError(el.comment, el.commentError,
      ok ? null : "Enter a comment: it is kept in Defender's audit trail with the cancellation.");
  }
  return ok ? el.comment.value.trim() : null;
}

function checkToken() {
  // The token field has no inline error element of its own; the library would refuse an
  // empty token anyway, but an inline message is clearer.
  const ok = el.token.value.trim() !== "";
  let errorEl = $("token-error");
  if (!errorEl) {
    errorEl = document.createElement("p");
    errorEl.id = "token-error";
    errorEl.className = "error-text";
    errorEl.hidden = true;
    el.tokenHint.after(errorEl);
    el.token.setAttribute("aria-describedby", "token-hint token-error");
  }
  setFieldError(el.token, errorEl, ok ? null : "Enter a bearer token for the Defender API.");
  return ok;
}

el.id.addEventListener("input", () => checkId(false));
el.id.addEventListener("blur", () => {
  if (el.id.value.trim() !== el.id.value && classifyId(el.id.value) === "valid") el.id.value = el.id.value.trim();
  if (el.id.value !== "") checkId(true);
});
el.comment.addEventListener("input", () => {
  el.commentCount.textContent = String(el.comment.value.length);
  if (el.comment.getAttribute("aria-invalid") === "true") checkComment(true);
});
el.token.addEventListener("input", () => {
  if (el.token.getAttribute("aria-invalid") === "true") checkToken();
});

// ---------------------------------------------------------------- running a request

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  run("cancel");
});
el.statusBtn.addEventListener("click", () => run("get"));
el.stopBtn.addEventListener("click", () => controller?.abort());
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && controller) controller.abort();
});

async function run(op) {
  if (controller) return;
  tokens.sync(); // the URL may have changed without a change event (Enter, autofill)
  const id = checkId(true);
  const comment = op === "cancel" ? checkComment(true) : "";
  if (op !== "cancel") setFieldError(el.comment, el.commentError, null);
  const customOk = currentTarget() !== "custom" || checkCustomUrl();
  const tokenOk = checkToken();
  if (id === null || comment === null || !customOk || !tokenOk) {
    const firstBad = [el.id, el.comment, el.customUrl, el.token].find((f) => f.getAttribute("aria-invalid") === "true");
    firstBad?.focus();
    announce("Nothing was sent: fix the highlighted field.");
    return;
  }
  el.id.value = id;

  await wasmReady;
  if (wasmError) {
    renderFailure("The page could not load its WebAssembly package", ["Reload the page."], String(wasmError));
    return;
  }

  let client;
  try {
    client = new MachineActionsClient({ token: el.token.value, baseUrl: baseUrl(), timeoutMs: TIMEOUT_MS });
  } catch (err) {
    renderError(err, op, id);
    announce("Nothing was sent: the connection settings were refused.");
    return;
  }

  const origin = op === "cancel" ? el.cancelBtn : el.statusBtn;
  controller = new AbortController();
  setBusy(true, op === "cancel" ? `Cancelling action ${short(id)}…` : `Checking the status of ${short(id)}…`);
  try {
    const result = op === "cancel"
      ? await client.cancel(id, comment, { signal: controller.signal })
      : await client.get(id, { signal: controller.signal });
    renderResult(result, op);
  } catch (err) {
    renderError(err, op, id);
  } finally {
    client.free();
    controller = null;
    setBusy(false, "", origin);
  }
}

function setBusy(busy, text, returnFocusTo) {
  const focusWasOnControls = [el.cancelBtn, el.statusBtn, el.stopBtn, document.body, null].includes(document.activeElement);
  el.cancelBtn.disabled = busy;
  el.statusBtn.disabled = busy;
  el.stopBtn.hidden = !busy;
  el.progress.hidden = !busy;
  el.form.setAttribute("aria-busy", String(busy));
  if (busy) {
    el.progressText.textContent = text;
    announce(text);
    if (focusWasOnControls) el.stopBtn.focus();
  } else if (focusWasOnControls && returnFocusTo) {
    returnFocusTo.focus();
  }
}

function announce(text) {
  el.live.textContent = text;
}

function short(id) {
  return `${id.slice(0, 8)}…`;
}

// ---------------------------------------------------------------- rendering

/** Creates an element; children are Nodes or plain strings (appended as text). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const none = (text = "none") => h("span", { class: "none" }, text);
const textOr = (value, fallback) => (typeof value === "string" && value !== "" ? value : value == null ? none(fallback) : String(value));

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** Parses Defender's ISO 8601 UTC times (0–7 fractional digits, Z optional). */
function parseUtc(text) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!m) return null;
  const ms = (m[3] ?? "").slice(0, 3).padEnd(3, "0");
  const d = new Date(`${m[1]}T${m[2]}.${ms}${m[4] ?? "Z"}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function timeValue(text) {
  if (typeof text !== "string" || text === "") return none("not set");
  const d = parseUtc(text);
  if (!d) return text;
  const utc = `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return [
    h("time", { datetime: d.toISOString() }, `${localFormat.format(d)} (local)`),
    h("span", { class: "sub mono-val" }, utc),
  ];
}

function statusBadge(status) {
  const s = typeof status === "string" && status !== "" ? status : "Unknown";
  const cls = `badge s-${s.toLowerCase().replace(/[^a-z]/g, "")}`;
  return h("span", { class: cls, "data-status": s }, s);
}

function copyButton(value, what) {
  const btn = h("button", { type: "button", class: "btn small", "aria-label": `Copy ${what}` }, "Copy");
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      btn.textContent = "Copied";
      announce(`${what[0].toUpperCase()}${what.slice(1)} copied.`);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(btn.previousElementSibling);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      btn.textContent = "Selected — press Ctrl+C";
    }
    setTimeout(() => {
      btn.textContent = "Copy";
    }, 2500);
  });
  return btn;
}

function correlationValue(id) {
  if (!id) return none("not sent by the server");
  return h("span", { class: "corr" }, h("span", { class: "mono-val", id: "correlation-id" }, id), copyButton(id, "correlation ID"));
}

function fact(term, ...value) {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function renderResult(result, op) {
  const a = result.json_body ?? {};
  const headers = result.response_headers ?? {};
  const correlation = headers["mise-correlation-id"] || headers["request-id"] || null;
  const status = typeof a.status === "string" ? a.status : "Unknown";
  const type = typeof a.type === "string" && a.type !== "" ? a.type : "Machine action";
  const when = timeOnly.format(new Date());

  const head = h("div", { class: "result-head" },
    h("h3", { id: "result-heading" }, type, typeof a.scope === "string" && a.scope ? ` · ${a.scope}` : ""),
    statusBadge(status));
  const outcome = op === "cancel" ? cancelOutcome(result.outcome, status) : null;
  const notice = op === "cancel" && typeof result.notice === "string" && result.notice.trim() !== "" ? result.notice.trim() : null;
  const sub = h("p", { class: "result-sub" },
    op === "cancel" ? "Cancel" : "Current status",
    ` — HTTP ${result.status_code} ${result.reason ?? ""}`.trimEnd(), ` at ${when}`);

  let noteText;
  if (outcome?.key === "already_cancelled") {
    noteText = "Someone — or an earlier request — had cancelled this action before; this request changed nothing. Who cancelled it and when is shown below.";
  } else if (op === "cancel" && status === "Cancelled") {
    noteText = notice ? null : "A command the device had already started may still finish.";
  } else if (op === "cancel") {
    noteText = `Defender accepted the cancel, but the action reads ${status}. Check its status again in a moment.`;
  } else if (OPEN_STATES.has(status)) {
    noteText = `This action is ${status === "Pending" ? "pending" : "in progress"} and can still be cancelled.`;
  } else {
    noteText = `This action is in a final state (${status}) and can no longer be cancelled.`;
  }

  const facts = h("dl", { class: "facts" },
    fact("Action ID", h("span", { class: "mono-val" }, textOr(a.id, "unknown"))),
    typeof a.title === "string" && a.title ? fact("Title", a.title) : null,
    fact("Machine", h("span", {}, textOr(a.computerDnsName, "name not reported")),
      h("span", { class: "sub mono-val" }, textOr(a.machineId, "machine ID not reported"))),
    fact("Requested by", textOr(a.requestor, "not reported"),
      typeof a.requestSource === "string" && a.requestSource ? h("span", { class: "sub" }, `via ${a.requestSource}`) : null),
    fact("Request comment", h("span", { class: "preserve" }, textOr(a.requestorComment, "none"))),
    fact("Cancelled by", textOr(a.cancellationRequestor, "not cancelled")),
    fact("Cancellation comment", textOr(a.cancellationComment, "none")),
    fact("Cancelled at", timeValue(a.cancellationDateTimeUtc)),
    fact("Created", timeValue(a.creationDateTimeUtc)),
    fact("Last update", timeValue(a.lastUpdateDateTimeUtc)),
    typeof a.errorHResult === "number" && a.errorHResult !== 0 ? fact("Error (HRESULT)", h("span", { class: "mono-val" }, String(a.errorHResult))) : null,
    fact("Correlation ID", correlationValue(correlation)),
  );

  const raw = {
    ...(op === "cancel" ? { outcome: result.outcome ?? null, notice: result.notice ?? null } : {}),
    status_code: result.status_code,
    reason: result.reason,
    response_headers: result.response_headers,
    json_body: result.json_body,
  };
  const details = h("details", { class: "raw" },
    h("summary", {}, "Raw JSON result"),
    h("pre", { tabindex: "0", "aria-label": "Raw JSON result" }, JSON.stringify(raw, null, 2)));

  const outcomeBox = outcome
    ? h("div", { class: `outcome o-${outcome.tone}`, id: "result-outcome", "data-outcome": outcome.key },
      h("span", { class: "outcome-icon", "aria-hidden": "true" }, outcome.icon),
      h("p", {}, h("strong", {}, outcome.title), h("span", { class: "sub" }, outcome.detail)))
    : null;
  const noticeBox = notice
    ? h("div", { class: "notice result-notice", id: "result-notice", role: "note", "aria-label": "Important" },
      h("span", { class: "notice-mark", "aria-hidden": "true" }, "!"),
      h("p", {}, h("strong", {}, "Important: "), notice))
    : null;

  el.result.replaceChildren(h("article", { class: "result", "aria-labelledby": "result-heading" },
    head, sub, outcomeBox, noticeBox, noteText ? h("p", { class: "note" }, noteText) : null, facts, details));

  revealResult();
  announce([
    op === "cancel"
      ? `${outcome ? `${outcome.title}.` : "Cancel sent."} The action reads ${status}.`
      : `Status checked: the action is ${status}.`,
    notice ? `Important: ${notice}` : "",
  ].join(" ").trim());
}

/** The headline of a cancel's result, from the package's `outcome` (or the status, if absent). */
function cancelOutcome(outcome, status) {
  if (outcome === "already_cancelled") {
    return {
      key: "already_cancelled", tone: "info", icon: "i",
      title: "Already cancelled before — nothing to do",
      detail: "The action had been cancelled before this request; it was not cancelled again.",
    };
  }
  if (status === "Cancelled") {
    return {
      key: "cancelled", tone: "ok", icon: "✓",
      title: "Cancelled by this request",
      detail: "Defender recorded the cancellation from this request.",
    };
  }
  return {
    key: typeof outcome === "string" ? outcome : "unknown", tone: "warn", icon: "!",
    title: "Cancel accepted — not in effect yet",
    detail: `Defender took the cancel, but the action still reads ${status}.`,
  };
}

/** What to do, per error kind. Returns [title, [paragraphs or nodes]]. */
function advice(err, op) {
  const code = err.status_code ? ` (${err.status_code})` : "";
  switch (err.kind) {
    case "invalid_input":
      return ["Nothing was sent: an input was refused", ["Fix the value named below and try again."]];
    case "unauthorized":
      if (currentTarget() === "custom") {
        return [`Proxy key or token refused${code}`, [
          "The server at the custom base URL refused the key or token. If it is your edge proxy, the token field must hold the proxy's key exactly (the value its operator set as PROXY_API_KEY): check it, or ask for the current one.",
          "If the proxy forwards your own Defender token instead, that token is missing, expired (they last about an hour) or was issued for the wrong audience (https://api.securitycenter.microsoft.com).",
        ]];
      }
      return [`Token refused${code}`, [
        "The token is missing, expired (they last about an hour) or was issued for the wrong audience.",
        "Get a new token for https://api.securitycenter.microsoft.com (the same audience for every commercial regional host); for GCC High/DoD sign in at login.microsoftonline.us.",
      ]];
    case "forbidden":
      return [`Permission denied${code}`, op === "cancel"
        ? [
          "The token lacks the permission for this action. Cancelling needs one of these API permissions (application or delegated), with admin consent:",
          h("ul", {}, CANCEL_PERMISSIONS.map((p) => h("li", {}, h("code", {}, p)))),
          "For a delegated token the signed-in user also needs a Defender role that may respond to devices.",
        ]
        : [
          "The token lacks the permission to read machine actions. Checking status needs:",
          h("ul", {}, READ_PERMISSIONS.map((p) => h("li", {}, p))),
        ]];
    case "not_found":
      return [`No such machine action${code}`, [
        "Check the ID, and that you chose the cloud (and tenant) where the action was created: an action from GCC does not exist on the commercial host.",
        "An action created a moment ago can answer 404 for a short while; try again shortly.",
      ]];
    case "bad_request":
      return [`Defender refused the request${code}`, [
        "Most often the action is already in a final state (Succeeded, Failed, TimeOut or Cancelled) and cannot be cancelled. Use Check status to see where it stands.",
      ]];
    case "rate_limited": {
      const s = err.retry_after_seconds;
      return [`Too many requests${code}`, [
        typeof s === "number"
          ? `Defender's rate limit was reached. Retry after ${s} s${s >= 120 ? ` (about ${Math.round(s / 60)} min)` : ""}.`
          : "Defender's rate limit was reached. Wait a minute before retrying.",
        "The limit is 100 calls per minute and 1,500 per hour; retrying early keeps getting refused.",
      ]];
    }
    case "server":
      return [`Defender had a server error${code}`, [
        "Retry in a moment. If it keeps failing, quote the correlation ID below to Microsoft support.",
      ]];
    case "network":
      return ["The request did not get through", [
        "The browser could not reach the API or was not allowed to read the answer. Calls from a page straight to Microsoft's hosts are often refused by CORS: use your edge proxy (Custom base URL).",
        "Otherwise check the base URL, that the proxy is up, and your connection.",
      ]];
    case "timeout":
      return ["No answer in time — the action's state is unknown", [
        `Nothing came back within ${TIMEOUT_MS / 1000} s. The cancel may or may not have reached Defender.`,
        "Use Check status before trying again.",
      ]];
    case "aborted":
      return ["Stopped — the action's state is unknown", [
        "The request was aborted. If it had already reached Defender, the cancel may still have been applied.",
        "Use Check status to see where the action stands.",
      ]];
    case "not_cancellable": {
      const final = typeof err.action_status === "string" && err.action_status ? err.action_status : "a final status";
      return [`Too late to cancel: the action already finished as ${final}`, [
        `Nothing was changed: the action had finished before this cancel reached it.`,
        FINAL_ADVICE[err.action_status] ?? "Use Check status to see its details.",
      ]];
    }
    case "invalid_response":
      return ["The answer was not a machine action", [
        "The server (or a proxy in front of it) answered with something that is not Defender's JSON, such as an HTML error page. Check the base URL and the proxy.",
      ]];
    default:
      return [`The request failed${code}`, ["See the details below."]];
  }
}

/** Where a failure came from, as the package says (`error.source`). */
const SOURCES = {
  defender: "Defender's API (or the proxy in front of it)",
  entra: "Entra ID, while getting a token",
  client: "This side: an input, the token, the client's quota, or Stop",
};

function renderError(err, op, id) {
  if (!isMachineActionError(err)) {
    renderFailure("Unexpected error", ["Reload the page and try again."], String(err && err.message ? err.message : err));
    return;
  }
  const [title, paragraphs] = advice(err, op);
  const attempts = Number.isInteger(err.attempts) && err.attempts > 1 ? err.attempts : null;
  const box = h("div", { class: err.kind === "not_cancellable" ? "error-box settled" : "error-box", "data-kind": err.kind },
    h("h3", { id: "result-heading" }, title),
    paragraphs.map((p) => (p instanceof Node ? p : h("p", {}, p))),
    h("p", { class: "lib-msg" }, "Details: ", h("span", { id: "error-message" }, err.message)),
  );
  const facts = h("dl", { class: "facts" },
    fact("Request", op === "cancel" ? `Cancel ${id}` : `Get ${id}`),
    typeof err.action_status === "string" && err.action_status ? fact("Final status", statusBadge(err.action_status)) : null,
    attempts ? fact("Requests", h("span", { id: "error-attempts" }, `${attempts} requests sent (retries and read-back included)`)) : null,
    fact("Came from", h("span", { id: "error-source" }, SOURCES[err.source] ?? err.source)),
    err.status_code ? fact("HTTP status", String(err.status_code), err.error_code ? h("span", { class: "sub mono-val" }, err.error_code) : null) : null,
    typeof err.retry_after_seconds === "number" ? fact("Retry after", `${err.retry_after_seconds} s`) : null,
    err.correlation_id ? fact("Correlation ID", correlationValue(err.correlation_id)) : null,
  );
  el.result.replaceChildren(h("article", { class: "result", "aria-labelledby": "result-heading" }, box, facts));
  revealResult();
  announce(err.kind === "not_cancellable" ? `${title}. Nothing was changed.` : `Error: ${title}.${err.retryable ? " Trying again later may work." : ""}`);
}

/** On a narrow screen the result is below the form: bring its top into view. */
function revealResult() {
  const box = el.result.getBoundingClientRect();
  if (box.top > window.innerHeight - 80 || box.bottom < 0) {
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.result.parentElement.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
  }
}

function renderFailure(title, paragraphs, message) {
  el.result.replaceChildren(h("div", { class: "error-box" },
    h("h3", { id: "result-heading" }, title),
    paragraphs.map((p) => h("p", {}, p)),
    message ? h("p", { class: "lib-msg" }, "Details: ", h("span", {}, message)) : null));
  announce(`Error: ${title}.`);
}

start();
