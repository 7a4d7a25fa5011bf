// The page's script: start-up and the single-cancel form. Find and the bulk run are in
// find.js and bulk.js, the connection panel in connection.js, rendering in render.js.
// Rules kept across them: the token lives in memory only (the password field, one saved
// value per destination in tokens.js, and the client made for the connection; nothing is
// stored, logged or put in the URL), every string that came from a server is rendered as
// text, never as HTML, and what the package decides (validation, filters, outcomes) is
// shown as it says, not worked out again here.

import init, { checkMachineActionId } from "../pkg/mde_machine_actions.js";
import { $, messageOf, setFieldError } from "./dom.js";
import { connect, packageLoaded, startConnection } from "./connection.js";
import { OPEN_STATES, announce, renderError, renderFailure, renderResult, showWatch } from "./render.js";
import { confirmCancel } from "./dialogs.js";
import { WATCH_INTERVAL_MS } from "./settings.js";
import "./find.js";
import "./bulk.js";

/** Completes a typed prefix into an id the package accepts, if it can become one. */
const COMPLETION = "00000000-0000-0000-0000-000000000000";

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
};

// ---------------------------------------------------------------- start-up

let wasmError = null;
const wasmReady = init().catch((e) => {
  wasmError = e;
});

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
  startConnection(await detectSimulator());
  await wasmReady;
  if (wasmError) {
    renderFailure("The page could not load its WebAssembly package",
      ["Reload the page. If it keeps failing, check that /pkg/ is served with the application/wasm MIME type."],
      messageOf(wasmError));
  } else {
    packageLoaded();
    prefillId();
  }
  document.documentElement.dataset.ready = "true";
}

/**
 * `?id=GUID` fills in the action ID, so a link from a ticket or an alert opens the page
 * ready to cancel that action. Nothing else is taken from the URL (never a token or a base
 * URL), and an id the package would refuse is ignored.
 */
function prefillId() {
  const id = new URLSearchParams(location.search).get("id");
  if (id !== null && checkMachineActionId(id.trim()) === null) {
    el.id.value = id.trim();
    checkId(false);
  }
}

// ---------------------------------------------------------------- form validation

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

el.id.addEventListener("input", () => checkId(false));
el.id.addEventListener("blur", () => {
  if (el.id.value.trim() !== el.id.value && classifyId(el.id.value) === "valid") el.id.value = el.id.value.trim();
  if (el.id.value !== "") checkId(true);
});
el.comment.addEventListener("input", () => {
  el.commentCount.textContent = String(el.comment.value.length);
  if (el.comment.getAttribute("aria-invalid") === "true") checkComment(true);
});

// ---------------------------------------------------------------- running a request

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  run("cancel");
});
el.statusBtn.addEventListener("click", () => run("get"));
el.stopBtn.addEventListener("click", () => controller?.abort());
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && controller && !document.querySelector("dialog[open]")) controller.abort();
});

let running = false;

/**
 * Check status (op "get"), or a cancel (op "cancel"): the action is read first, the cancel
 * is sent only once the question "Cancel Isolate (Full) on …?" is confirmed, and a cancel
 * that still reads Pending or InProgress is watched until it is final.
 */
async function run(op) {
  if (running) return;
  const id = checkId(true);
  const comment = op === "cancel" ? checkComment(true) : "";
  if (op !== "cancel") setFieldError(el.comment, el.commentError, null);
  if (id === null || comment === null) {
    [el.id, el.comment].find((f) => f.getAttribute("aria-invalid") === "true")?.focus();
    announce("Nothing was sent: fix the highlighted field.");
    return;
  }
  el.id.value = id;

  await wasmReady;
  if (wasmError) {
    renderFailure("The page could not load its WebAssembly package", ["Reload the page."], String(wasmError));
    return;
  }
  let lease;
  try {
    lease = connect();
  } catch (err) {
    renderError(err, op, id);
    announce("Nothing was sent: the connection settings were refused.");
    return;
  }
  if (!lease) {
    announce("Nothing was sent: the connection needs the field marked.");
    return;
  }

  const origin = op === "cancel" ? el.cancelBtn : el.statusBtn;
  running = true;
  try {
    const read = await call(`Reading action ${short(id)}`, origin, (signal) => lease.client.get(id, { signal }), "get", id);
    if (!read) return;
    if (op === "get") {
      renderResult(read, "get");
      return;
    }
    announce("");
    if (!await confirmCancel(read.json_body)) {
      announce("Nothing was sent: the action was kept.");
      origin.focus();
      return;
    }
    const result = await call(`Cancelling action ${short(id)}`, origin, (signal) => lease.client.cancel(id, comment, { signal }), "cancel", id);
    if (!result) return;
    renderResult(result, "cancel");
    if (OPEN_STATES.has(result.json_body?.status)) await watch(lease.client, id, result.json_body.status, origin);
  } finally {
    lease.release();
    running = false;
  }
}

/** Runs one request with Stop and the progress line; resolves with its answer, or null after showing the error. */
async function call(text, origin, send, op, id) {
  controller = new AbortController();
  setBusy(true, text);
  try {
    return await send(controller.signal);
  } catch (err) {
    renderError(err, op, id);
    return null;
  } finally {
    controller = null;
    setBusy(false, "", origin);
  }
}

/** Reads the action until it is final (waitForFinal), then shows that state; Stop ends the watch. */
async function watch(client, id, status, origin) {
  const every = `read every ${Math.round(WATCH_INTERVAL_MS / 1000)} s`;
  showWatch(`Watching: the action still reads ${status}; ${every} until it is final.`);
  controller = new AbortController();
  setBusy(true, `Watching action ${short(id)} until it is final…`);
  try {
    const action = await client.waitForFinal(id, {
      intervalMs: WATCH_INTERVAL_MS,
      signal: controller.signal,
      onUpdate: (a) => showWatch(`Watching: the action reads ${a.status}; ${every} until it is final.`),
    });
    renderResult({ json_body: action }, "watch");
  } catch (err) {
    const why = err?.kind === "aborted" ? "Stopped watching" : `Stopped watching (${err?.message ?? err})`;
    showWatch(`${why}. Use Check status to see where the action stands.`);
    announce(`${why}.`);
  } finally {
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

function short(id) {
  return `${id.slice(0, 8)}…`;
}

start();
