// Cancel selected…: a dialog that says what is about to be cancelled (how many, of which
// type, on which devices), takes the comment and offers a preview (the package's dry run);
// then the run itself, with cancelMany doing the work and deciding every outcome: a
// progress bar with the time left at the quota's pace, Stop, each row's outcome as it
// settles, a summary, and the results to download as CSV or JSON.

import { $, h, setFieldError, timeLeft } from "./dom.js";
import { connect } from "./connection.js";
import { errorBox } from "./render.js";
import { actionLabel, deviceName, openDialog } from "./dialogs.js";
import { OUTCOME_LABELS, clearOutcomes, lockTable, onNewResults, selectedActions, showOutcome } from "./find.js";
import { download, resultsCsv } from "./csv.js";

const el = {
  button: $("bulk-btn"),
  dialog: $("bulk-dialog"),
  form: $("bulk-form"),
  title: $("bulk-title"),
  groups: $("bulk-groups"),
  comment: $("bulk-comment"),
  commentError: $("bulk-comment-error"),
  preview: $("bulk-preview"),
  go: $("bulk-go"),
  back: $("bulk-back"),
  run: $("bulk-run"),
  runTitle: $("bulk-run-title"),
  progress: $("bulk-progress"),
  progressText: $("bulk-progress-text"),
  stop: $("bulk-stop"),
  summary: $("bulk-summary"),
  downloads: $("bulk-downloads"),
  csv: $("bulk-csv"),
  json: $("bulk-json"),
  live: $("bulk-live"),
};

let chosen = []; // the actions the dialog asks about
let controller = null; // the AbortController of the running run
let report = null; // the last run's { dryRun, stopped, summary, results }

const plural = (n, word) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

// ---------------------------------------------------------------- the dialog

el.button.addEventListener("click", async () => {
  chosen = selectedActions();
  if (chosen.length === 0 || controller) return;
  el.title.textContent = `Cancel ${plural(chosen.length, "machine action")}?`;
  el.groups.replaceChildren(...groups(chosen).map((g) => h("li", {}, g)));
  setFieldError(el.comment, el.commentError, null);
  updateGo();
  if (await openDialog(el.dialog) !== "go") return;
  run(chosen, el.comment.value.trim(), el.preview.checked);
});

/** "150 × RunAntiVirusScan (Full) on 150 devices", one line per type, the biggest first. */
function groups(actions) {
  const byType = new Map();
  for (const a of actions) {
    const label = actionLabel(a);
    const g = byType.get(label) ?? { count: 0, devices: new Set() };
    g.count += 1;
    g.devices.add(deviceName(a));
    byType.set(label, g);
  }
  return [...byType.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([label, g]) => `${g.count.toLocaleString("en")} × ${label} on ${g.devices.size === 1 ? [...g.devices][0] : plural(g.devices.size, "device")}`);
}

function updateGo() {
  el.go.textContent = el.preview.checked
    ? `Preview ${plural(chosen.length, "action")}`
    : `Cancel ${plural(chosen.length, "action")}`;
  el.go.classList.toggle("danger-solid", !el.preview.checked);
  el.go.classList.toggle("primary", el.preview.checked);
}

el.preview.addEventListener("change", updateGo);
el.back.addEventListener("click", () => el.dialog.close("back"));
el.comment.addEventListener("input", () => {
  if (el.comment.getAttribute("aria-invalid") === "true" && el.comment.value.trim() !== "") {
    setFieldError(el.comment, el.commentError, null);
  }
});
el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (el.comment.value.trim() === "") {
    setFieldError(el.comment, el.commentError, "Enter a comment: it is kept in Defender's audit trail with each cancellation.");
    el.comment.focus();
    return;
  }
  el.dialog.close("go");
});

// ---------------------------------------------------------------- the run

el.stop.addEventListener("click", () => {
  if (!controller) return;
  controller.abort();
  el.stop.disabled = true;
  clearInterval(shown.timer);
  el.progressText.textContent = `${shown.done.toLocaleString("en")} of ${shown.total.toLocaleString("en")} done · stopping…`;
});

onNewResults(() => {
  if (controller) return;
  el.run.hidden = true;
  report = null;
});

/** The run's progress as last reported, so the time left counts down between reports. */
const shown = { done: 0, total: 0, endsAt: null, timer: 0 };

function showProgress(done, total, etaMs) {
  shown.done = done;
  shown.total = total;
  shown.endsAt = done < total && typeof etaMs === "number" ? performance.now() + etaMs : null;
  el.progress.value = done;
  renderProgress();
}

function renderProgress() {
  const left = shown.endsAt === null ? "" : ` · ${timeLeft(shown.endsAt - performance.now())}`;
  el.progressText.textContent = `${shown.done.toLocaleString("en")} of ${shown.total.toLocaleString("en")} done${left}`;
}

async function run(actions, comment, dryRun) {
  let lease;
  try {
    lease = connect();
  } catch (err) {
    showRunError(err);
    return;
  }
  if (!lease) return;
  const n = actions.length;
  controller = new AbortController();
  const signal = controller.signal;
  report = null;
  lockTable(true);
  clearOutcomes();
  el.run.hidden = false;
  el.run.classList.remove("finished");
  el.runTitle.textContent = dryRun ? `Preview of ${plural(n, "action")}` : `Cancelling ${plural(n, "action")}`;
  el.summary.replaceChildren();
  el.downloads.hidden = true;
  el.progress.max = n;
  showProgress(0, n, null);
  shown.timer = setInterval(renderProgress, 1_000);
  el.stop.hidden = false;
  el.stop.disabled = false;
  el.stop.focus();
  el.live.textContent = `${dryRun ? "Preview" : "Cancel"} of ${plural(n, "action")} started.`;
  const started = performance.now();
  try {
    const answer = await lease.client.cancelMany({ ids: actions.map((a) => a.id) }, comment, {
      dryRun,
      signal,
      onProgress: ({ done, total, last, etaMs }) => {
        showOutcome(last);
        showProgress(done, total, etaMs);
      },
    });
    // Every entry, the skipped ones included, as the package settled it.
    for (const entry of answer.results) showOutcome(entry);
    report = { dryRun, stopped: signal.aborted, comment, summary: answer.summary, results: answer.results };
    showSummary(report, performance.now() - started);
  } catch (err) {
    showRunError(err);
  } finally {
    clearInterval(shown.timer);
    lease.release();
    controller = null;
    // Stop is about to go: keyboard focus moves to the outcome instead of falling to the page.
    const focusOnStop = [el.stop, document.body, null].includes(document.activeElement);
    el.stop.hidden = true;
    lockTable(false);
    if (focusOnStop) el.runTitle.focus();
  }
}

function showSummary({ dryRun, stopped, summary, results }, ms) {
  const done = results.filter((r) => r.outcome !== "skipped").length;
  el.progress.value = done;
  el.progressText.textContent = `${done.toLocaleString("en")} of ${results.length.toLocaleString("en")} done`;
  el.run.classList.add("finished");
  const counts = Object.entries(summary).filter(([, count]) => count > 0);
  const words = counts.map(([outcome, count]) => `${count.toLocaleString("en")} ${(OUTCOME_LABELS[outcome] ?? outcome).toLowerCase()}`).join(", ");
  const head = stopped ? "Stopped" : dryRun ? "Preview done — nothing was cancelled" : "Done";
  el.runTitle.textContent = `${head}: ${words || "nothing to do"}`;
  el.summary.replaceChildren(
    h("ul", { class: "summary-list", id: "bulk-counts" }, counts.map(([outcome, count]) => h("li", { "data-outcome": outcome },
      h("span", { class: `badge o-${outcome}` }, OUTCOME_LABELS[outcome] ?? outcome), ` ${count.toLocaleString("en")}`))),
    h("p", { class: "muted" }, `${plural(results.length, "action")} in ${(ms / 1000).toFixed(1)} s.`
      + (stopped ? " Stop came before the skipped ones were sent; nothing was sent for them." : "")));
  el.downloads.hidden = false;
  el.live.textContent = `${head}: ${words}.`;
}

function showRunError(err) {
  el.run.hidden = false;
  el.run.classList.add("finished");
  el.runTitle.textContent = "Nothing was cancelled";
  el.summary.replaceChildren(errorBox(err, "cancel", "bulk-error-heading"));
  el.live.textContent = `Error: ${el.summary.querySelector("h3")?.textContent ?? "the run could not start"}.`;
}

// ---------------------------------------------------------------- downloads

function fileName(ext) {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `machine-actions-${report?.dryRun ? "preview" : "cancel"}-${stamp}.${ext}`;
}

el.csv.addEventListener("click", () => {
  if (report) download(fileName("csv"), resultsCsv(report.results), "text/csv;charset=utf-8");
});
el.json.addEventListener("click", () => {
  if (report) download(fileName("json"), `${JSON.stringify(report, null, 2)}\n`, "application/json");
});
