// Find: machine actions by device name, requestor, type and status, in a table with a
// checkbox per row for a bulk cancel. The device field suggests names from findMachines
// as you type (the lookup before is aborted); a Find turns the name typed into the ids of
// the devices whose names start with it, and lists with the package's filter. Nothing is
// decided here that the package decides: the filter is built and checked by list(), and a
// bulk run's outcomes are shown as they come.

import { $, h } from "./dom.js";
import { connect } from "./connection.js";
import { errorBox, parseUtc, statusBadge, textOr } from "./render.js";
import { actionLabel, deviceName } from "./dialogs.js";

/** The most devices one Find filters on: their ids go in the URL, which must stay short. */
const MAX_DEVICES = 25;
/** The most actions one Find shows (the package's default page of results). */
const MAX_LISTED = 1_000;
const SUGGESTIONS = 20;
const DEBOUNCE_MS = 250;

/** How each outcome of cancelMany reads on a row and in the summary. */
export const OUTCOME_LABELS = {
  cancelled: "Cancelled",
  already_cancelled: "Already cancelled",
  not_cancellable: "Not cancellable",
  not_found: "Not found",
  failed: "Failed",
  would_cancel: "Would cancel",
  skipped: "Skipped",
};

const el = {
  form: $("find-form"),
  device: $("find-device"),
  suggestions: $("device-suggestions"),
  requestor: $("find-requestor"),
  type: $("find-type"),
  statuses: [...document.querySelectorAll('input[name="find-status"]')],
  button: $("find-btn"),
  status: $("find-status"),
  error: $("find-error"),
  results: $("find-results"),
  count: $("find-count"),
  selected: $("selected-count"),
  body: $("find-body"),
  selectAll: $("select-all"),
  bulkBtn: $("bulk-btn"),
};

let lookup = null; // the AbortController of the running suggestion lookup
let finding = null; // the AbortController of the running Find
let debounce = 0;
let locked = false; // while a bulk run goes, the table and the search stay as they are
/** The rows shown: action id → { action, tr, checkbox, statusCell, outcomeCell }. */
let rows = new Map();
const listeners = [];

/** `fn()` is called whenever the table is replaced. */
export function onNewResults(fn) {
  listeners.push(fn);
}

// ---------------------------------------------------------------- suggestions

el.device.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = setTimeout(suggest, DEBOUNCE_MS);
});

async function suggest() {
  lookup?.abort();
  lookup = null;
  const prefix = el.device.value.trim();
  if (prefix.length < 2) {
    el.suggestions.replaceChildren();
    return;
  }
  let lease;
  try {
    lease = connect({ quiet: true });
  } catch {
    return;
  }
  if (!lease) return;
  const controller = new AbortController();
  lookup = controller;
  try {
    const machines = await lease.client.findMachines(prefix, { signal: controller.signal, top: SUGGESTIONS });
    if (lookup !== controller) return;
    const names = [...new Set(machines.map((m) => m.computerDnsName).filter((n) => typeof n === "string" && n !== ""))];
    el.suggestions.replaceChildren(...names.map((name) => h("option", { value: name })));
  } catch {
    // A lookup that fails or is overtaken suggests nothing; Find says what is wrong.
  } finally {
    lease.release();
    if (lookup === controller) lookup = null;
  }
}

// ---------------------------------------------------------------- Find

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  find();
});

function say(text) {
  el.status.textContent = text;
}

function showError(err, op) {
  el.error.replaceChildren(errorBox(err, op, "find-error-heading"));
  el.error.hidden = false;
  say(`Error: ${el.error.querySelector("h3").textContent}.`);
}

async function find() {
  if (locked) return;
  finding?.abort();
  el.error.hidden = true;
  el.error.replaceChildren();
  let lease;
  try {
    lease = connect();
  } catch (err) {
    showError(err, "list");
    return;
  }
  if (!lease) {
    say("Nothing was sent: the connection needs the field marked.");
    return;
  }
  const controller = new AbortController();
  finding = controller;
  el.form.setAttribute("aria-busy", "true");
  say("Searching…");
  try {
    const filter = { top: MAX_LISTED };
    const statuses = el.statuses.filter((c) => c.checked).map((c) => c.value);
    if (statuses.length) filter.status = statuses;
    if (el.type.value) filter.type = el.type.value;
    const requestor = el.requestor.value.trim();
    if (requestor) filter.requestor = requestor;
    const prefix = el.device.value.trim();
    if (prefix) {
      const machines = await lease.client.findMachines(prefix, { signal: controller.signal, top: MAX_DEVICES + 1 });
      if (machines.length === 0 || machines.length > MAX_DEVICES) {
        showTable([]);
        say(machines.length === 0
          ? `No device's name starts with “${prefix}”.`
          : `More than ${MAX_DEVICES} devices' names start with “${prefix}”: type more of the name.`);
        return;
      }
      filter.machineId = machines.map((m) => m.id);
    }
    const actions = await lease.client.list(filter, { signal: controller.signal });
    if (finding !== controller) return;
    showTable(actions);
    const n = actions.length;
    say(n === 0 ? "No machine action matches."
      : `${n.toLocaleString("en")} machine action${n === 1 ? "" : "s"} found${actions.truncated ? ` (the first ${n.toLocaleString("en")}: narrow the search to see the rest)` : ""}.`);
  } catch (err) {
    if (finding === controller) showError(err, "list");
  } finally {
    lease.release();
    if (finding === controller) {
      finding = null;
      el.form.removeAttribute("aria-busy");
    }
  }
}

// ---------------------------------------------------------------- the table

const createdFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

function created(text) {
  const d = typeof text === "string" ? parseUtc(text) : null;
  if (!d) return textOr(text, "not set");
  return h("time", { datetime: d.toISOString(), title: `${d.toISOString().slice(0, 19).replace("T", " ")} UTC` }, createdFormat.format(d));
}

function row(action) {
  const label = `${actionLabel(action)} on ${deviceName(action)}`;
  const checkbox = h("input", { type: "checkbox", class: "row-select", "aria-label": `Select ${label}` });
  const statusCell = h("td", { "data-label": "Status" }, statusBadge(action.status));
  const outcomeCell = h("td", { "data-label": "Result", class: "outcome-cell" });
  const tr = h("tr", {},
    h("td", { class: "select-cell" }, checkbox),
    h("td", { "data-label": "Type" }, actionLabel(action)),
    h("td", { "data-label": "Device", class: "device-cell" }, deviceName(action)),
    h("td", { "data-label": "Requested by", class: "wrap-cell" }, textOr(action.requestor, "not reported")),
    h("td", { "data-label": "Comment", class: "wrap-cell comment-cell" }, textOr(action.requestorComment, "none")),
    h("td", { "data-label": "Created" }, created(action.creationDateTimeUtc)),
    statusCell,
    outcomeCell);
  checkbox.addEventListener("change", () => {
    tr.classList.toggle("selected", checkbox.checked);
    updateSelection();
  });
  rows.set(action.id, { action, tr, checkbox, statusCell, outcomeCell });
  return tr;
}

function showTable(actions) {
  rows = new Map();
  el.body.replaceChildren(...actions.map(row));
  el.results.hidden = actions.length === 0;
  el.count.textContent = `${actions.length.toLocaleString("en")} machine action${actions.length === 1 ? "" : "s"}`;
  updateSelection();
  for (const fn of listeners) fn();
}

el.selectAll.addEventListener("change", () => {
  for (const r of rows.values()) {
    r.checkbox.checked = el.selectAll.checked;
    r.tr.classList.toggle("selected", el.selectAll.checked);
  }
  updateSelection();
});

function updateSelection() {
  const total = rows.size;
  const n = [...rows.values()].filter((r) => r.checkbox.checked).length;
  el.selectAll.checked = total > 0 && n === total;
  el.selectAll.indeterminate = n > 0 && n < total;
  el.selected.textContent = `${n.toLocaleString("en")} of ${total.toLocaleString("en")} selected`;
  el.bulkBtn.disabled = locked || n === 0;
}

/** The actions whose rows are ticked, in the table's order. */
export function selectedActions() {
  return [...rows.values()].filter((r) => r.checkbox.checked).map((r) => r.action);
}

/** While a bulk run goes: no new search, no change of selection. */
export function lockTable(lock) {
  locked = lock;
  el.button.disabled = lock;
  el.selectAll.disabled = lock;
  for (const r of rows.values()) r.checkbox.disabled = lock;
  el.results.setAttribute("aria-busy", String(lock));
  updateSelection();
}

/** Empties the result column (before a new run). */
export function clearOutcomes() {
  for (const r of rows.values()) r.outcomeCell.replaceChildren();
}

/** Shows a settled entry of cancelMany on its row: the outcome's badge, and the status as read. */
export function showOutcome(entry) {
  const r = rows.get(entry.id);
  if (!r) return;
  const label = OUTCOME_LABELS[entry.outcome] ?? String(entry.outcome);
  const badge = h("span", { class: `badge o-${String(entry.outcome).replace(/[^a-z_]/g, "")}`, "data-outcome": entry.outcome }, label);
  const detail = entry.error?.message ? h("span", { class: "sub" }, entry.error.message) : null;
  r.outcomeCell.replaceChildren(h("span", {}, badge, detail));
  if (typeof entry.status === "string" && entry.status !== "") r.statusCell.replaceChildren(statusBadge(entry.status));
}
