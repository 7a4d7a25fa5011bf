// Rendering of a single action's result and of errors, for the result card and for the
// other parts of the page. Every string that came from a server goes in as a text node
// (see h() in dom.js), never as HTML.

import { isMachineActionError } from "../pkg/mde_machine_actions.js";
import { $, h } from "./dom.js";
import { audienceFor, currentTarget, signedInHere } from "./connection.js";
import { CLIENT_OPTIONS } from "./settings.js";

const CANCEL_PERMISSIONS = [
  "Machine.Isolate", "Machine.Scan", "Machine.LiveResponse", "Machine.CollectForensics",
  "Machine.RestrictExecution", "Machine.StopAndQuarantine", "Machine.Offboard",
];
const READ_PERMISSIONS = ["Machine.Read.All or Machine.ReadWrite.All (application)", "Machine.Read or Machine.ReadWrite (delegated)"];
/** Defender's own commercial host: its audience is the one a proxy that forwards tokens most often wants. */
const COMMERCIAL = "https://api.security.microsoft.com";
/** Statuses in which an action can still be cancelled (Defender's documented meaning). */
export const OPEN_STATES = new Set(["Pending", "InProgress"]);
/** What an analyst can do about an action that finished before the cancel. */
const FINAL_ADVICE = {
  Succeeded: "What it did on the device stays done. To reverse it, start the opposite action (for example, release an isolated device with Unisolate).",
  Failed: "It failed on the device by itself; there is nothing to cancel. Check status for its error code.",
  TimeOut: "The device never completed it in time; there is nothing to cancel. Start it again if it is still needed.",
};

const resultArea = () => $("result");

export function announce(text) {
  $("live").textContent = text;
}

export const none = (text = "none") => h("span", { class: "none" }, text);
export const textOr = (value, fallback) => (typeof value === "string" && value !== "" ? value : value == null ? none(fallback) : String(value));

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** Parses Defender's ISO 8601 UTC times (0–7 fractional digits, Z optional). */
export function parseUtc(text) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!m) return null;
  const ms = (m[3] ?? "").slice(0, 3).padEnd(3, "0");
  const d = new Date(`${m[1]}T${m[2]}.${ms}${m[4] ?? "Z"}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function timeValue(text) {
  if (typeof text !== "string" || text === "") return none("not set");
  const d = parseUtc(text);
  if (!d) return text;
  const utc = `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return [
    h("time", { datetime: d.toISOString() }, `${localFormat.format(d)} (local)`),
    h("span", { class: "sub mono-val" }, utc),
  ];
}

export function statusBadge(status) {
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

export function fact(term, ...value) {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

/**
 * Shows a result on the card: op "get" (Check status), "cancel", or "watch" (the final state a
 * cancel that still read Pending or InProgress was watched to; `result` is then `{ json_body }`).
 */
export function renderResult(result, op) {
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
  const sub = op === "watch"
    ? h("p", { class: "result-sub" }, `Final state, read at ${when}`)
    : h("p", { class: "result-sub" },
      op === "cancel" ? "Cancel" : "Current status",
      ` — HTTP ${result.status_code} ${result.reason ?? ""}`.trimEnd(), ` at ${when}`);

  let noteText;
  if (outcome?.key === "already_cancelled") {
    noteText = "Someone — or an earlier request — had cancelled this action before; this request changed nothing. Who cancelled it and when is shown below.";
  } else if (op === "cancel" && status === "Cancelled") {
    noteText = notice ? null : "A command the device had already started may still finish.";
  } else if (op === "cancel") {
    noteText = `Defender accepted the cancel, but the action reads ${status}.`;
  } else if (op === "watch") {
    noteText = status === "Cancelled"
      ? "The cancel took effect: the action now reads Cancelled."
      : `The action finished as ${status} before the cancel took effect.`;
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

  const raw = op === "watch" ? result.json_body : {
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

  resultArea().replaceChildren(h("article", { class: "result", "aria-labelledby": "result-heading" },
    head, sub, outcomeBox, noticeBox, noteText ? h("p", { class: "note", id: "result-note" }, noteText) : null, facts, details));

  revealResult();
  announce([
    op === "cancel"
      ? `${outcome ? `${outcome.title}.` : "Cancel sent."} The action reads ${status}.`
      : op === "watch" ? `Final state: the action is ${status}.` : `Status checked: the action is ${status}.`,
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

/**
 * The line under a cancel that still reads Pending or InProgress while it is watched:
 * `text`, or null to remove it.
 */
export function showWatch(text) {
  let line = $("watch-line");
  if (text === null) {
    line?.remove();
    return;
  }
  if (!line) {
    line = h("p", { class: "note watching", id: "watch-line" });
    $("result-note")?.after(line);
  }
  line.textContent = text;
}

/** What to do, per error kind (op: "get", "cancel", "list"). Returns [title, [paragraphs or nodes]]. */
function advice(err, op) {
  const code = err.status_code ? ` (${err.status_code})` : "";
  switch (err.kind) {
    case "invalid_input":
      return ["Nothing was sent: an input was refused", ["Fix the value named below and try again."]];
    case "unauthorized": {
      if (currentTarget() === "custom" && (signedInHere() || err.source === "client")) {
        return [`Sign-in needed${code}`, [
          signedInHere()
            ? "The proxy refused your sign-in token: it may have expired or been issued for another API (check the API scope in the connection panel). Sign out and sign in again."
            : "No token could be had for the proxy: sign in again (top right), or use a proxy key.",
        ]];
      }
      if (currentTarget() === "custom") {
        return [`Proxy key or token refused${code}`, [
          "The server at the custom base URL refused the key or token. If it is your edge proxy, the token field must hold the proxy's key exactly (the value its operator set as PROXY_API_KEY): check it, or ask for the current one.",
          `If the proxy forwards your own Defender token instead, that token is missing, expired (they last about an hour) or was issued for the wrong audience (${audienceFor(COMMERCIAL) ?? "the Defender API's"} for the commercial cloud).`,
        ]];
      }
      const audience = audienceFor();
      return [`Token refused${code}`, [
        "The token is missing, expired (they last about an hour) or was issued for the wrong audience.",
        audience
          ? `Get a new token for ${audience}, the audience of the host chosen; for GCC High/DoD sign in at login.microsoftonline.us.`
          : "Get a new token that this server accepts.",
      ]];
    }
    case "forbidden":
      if (signedInHere()) {
        return [`Permission denied${code}: your account lacks the app role`, [
          `Signed in as ${signedInHere()}, without the proxy's app role this request needs (the proxy names it below). An administrator assigns app roles in Entra ID, under Enterprise applications → the proxy's app → Users and groups; then sign out and in again.`,
        ]];
      }
      return [`Permission denied${code}`, op === "cancel"
        ? [
          "The token lacks the permission for this action. Cancelling needs one of these API permissions (application or delegated), with admin consent:",
          h("ul", {}, CANCEL_PERMISSIONS.map((p) => h("li", {}, h("code", {}, p)))),
          "For a delegated token the signed-in user also needs a Defender role that may respond to devices.",
        ]
        : [
          op === "list"
            ? "The token lacks the permission to read machine actions or devices. Finding them needs:"
            : "The token lacks the permission to read machine actions. Checking status needs:",
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
        `Nothing came back within ${CLIENT_OPTIONS.timeoutMs / 1000} s. The cancel may or may not have reached Defender.`,
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

/** The error's box: what happened, what to do, and the package's own message. */
export function errorBox(err, op, headingId) {
  const [title, paragraphs] = advice(err, op);
  return h("div", { class: err.kind === "not_cancellable" ? "error-box settled" : "error-box", "data-kind": err.kind },
    h("h3", { id: headingId }, title),
    paragraphs.map((p) => (p instanceof Node ? p : h("p", {}, p))),
    h("p", { class: "lib-msg" }, "Details: ", h("span", { class: "error-message" }, err.message)),
  );
}

export function renderError(err, op, id) {
  if (!isMachineActionError(err)) {
    renderFailure("Unexpected error", ["Reload the page and try again."], String(err && err.message ? err.message : err));
    return;
  }
  const [title] = advice(err, op);
  const attempts = Number.isInteger(err.attempts) && err.attempts > 1 ? err.attempts : null;
  const box = errorBox(err, op, "result-heading");
  box.querySelector(".error-message").id = "error-message";
  const facts = h("dl", { class: "facts" },
    fact("Request", op === "cancel" ? `Cancel ${id}` : `Get ${id}`),
    typeof err.action_status === "string" && err.action_status ? fact("Final status", statusBadge(err.action_status)) : null,
    attempts ? fact("Requests", h("span", { id: "error-attempts" }, `${attempts} requests sent (retries and read-back included)`)) : null,
    fact("Came from", h("span", { id: "error-source" }, SOURCES[err.source] ?? err.source)),
    err.status_code ? fact("HTTP status", String(err.status_code), err.error_code ? h("span", { class: "sub mono-val" }, err.error_code) : null) : null,
    typeof err.retry_after_seconds === "number" ? fact("Retry after", `${err.retry_after_seconds} s`) : null,
    err.correlation_id ? fact("Correlation ID", correlationValue(err.correlation_id)) : null,
  );
  resultArea().replaceChildren(h("article", { class: "result", "aria-labelledby": "result-heading" }, box, facts));
  revealResult();
  announce(err.kind === "not_cancellable" ? `${title}. Nothing was changed.` : `Error: ${title}.${err.retryable ? " Trying again later may work." : ""}`);
}

/** On a narrow screen the result is below the form: bring its top into view. */
function revealResult() {
  const box = resultArea().getBoundingClientRect();
  if (box.top > window.innerHeight - 80 || box.bottom < 0) {
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    resultArea().parentElement.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
  }
}

export function renderFailure(title, paragraphs, message) {
  resultArea().replaceChildren(h("div", { class: "error-box" },
    h("h3", { id: "result-heading" }, title),
    paragraphs.map((p) => h("p", {}, p)),
    message ? h("p", { class: "lib-msg" }, "Details: ", h("span", {}, message)) : null));
  announce(`Error: ${title}.`);
}

