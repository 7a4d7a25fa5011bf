// The connection panel: where requests go (the simulator, a Defender cloud, a custom base
// URL such as the edge Worker) and with which token. It folds to one line once it holds
// what a request needs, and opens at the field that is missing. One client per connection
// is kept, so its quota paces every call the page makes (finds, single cancels and bulk
// runs alike); a connection that changes gets a new one, and the old one is freed once
// nothing uses it. For a proxy that accepts analysts' sign-in, the panel also holds the
// sign-in settings, and the header's Sign in button (signin.js) replaces the key with the
// signed-in user's token.

import { MachineActionsClient, tokenAudience } from "../pkg/mde_machine_actions.js";
import { TokenSlots } from "./tokens.js";
import { $, setFieldError } from "./dom.js";
import { CLIENT_OPTIONS } from "./settings.js";
import { checkSettings, onSessionChange, preloadMsal, providerFor, sessionMatches, signIn, signOut, signedInAs } from "./signin.js";

export const SIM_TOKEN = "sim-token";

const el = {
  panel: $("conn"),
  line: $("conn-line"),
  change: $("conn-change"),
  targets: [...document.querySelectorAll('input[name="target"]')],
  targetSim: $("target-sim"),
  cloudField: $("cloud-field"),
  cloud: $("cloud"),
  cloudHint: $("cloud-hint"),
  customField: $("custom-field"),
  customUrl: $("custom-url"),
  customError: $("custom-error"),
  signinFields: $("signin-fields"),
  signin: {
    authority: [$("signin-authority"), $("signin-authority-error")],
    clientId: [$("signin-client"), $("signin-client-error")],
    scope: [$("signin-scope"), $("signin-scope-error")],
  },
  account: $("account"),
  accountLine: $("account-line"),
  accountName: $("account-name"),
  signInBtn: $("sign-in"),
  signOutBtn: $("sign-out"),
  accountError: $("account-error"),
  tokenField: $("token-field"),
  token: $("token"),
  tokenLabel: $("token-label"),
  tokenHint: $("token-hint"),
  tokenError: $("token-error"),
  endpoint: $("endpoint"),
  cors: $("cors-notice"),
};

let packageReady = false;

export function currentTarget() {
  return el.targets.find((t) => t.checked)?.value ?? "cloud";
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

export function baseUrl() {
  switch (currentTarget()) {
    case "sim":
      return location.origin;
    case "custom":
      return el.customUrl.value.trim().replace(/\/+$/, "");
    default:
      return el.cloud.value;
  }
}

/** The audience a token for `base` must be issued for, as the package knows it; null for other hosts. */
export function audienceFor(base = baseUrl()) {
  if (!packageReady) return null;
  try {
    return tokenAudience(base);
  } catch {
    return null;
  }
}

/** Call once the package is loaded: the hints can then name the token's audience. */
export function packageLoaded() {
  packageReady = true;
  applyTarget();
}

/**
 * Sets the first target: the simulator when the page is served by it, else the Defender
 * cloud (then the panel stays open, as a token is needed first).
 */
export function startConnection(simAvailable) {
  if (!simAvailable) {
    el.targetSim.disabled = true;
    el.targetSim.nextElementSibling.querySelector(".muted").textContent = "(not detected on this server)";
  }
  for (const t of el.targets) t.checked = t.value === (simAvailable ? "sim" : "cloud");
  applyTarget();
  el.panel.open = !simAvailable;
  updateChange();
}

function applyTarget() {
  const target = currentTarget();
  el.cloudField.hidden = target !== "cloud";
  el.customField.hidden = target !== "custom";
  // Calls from a page straight to Microsoft's hosts may meet CORS; nowhere else.
  el.cors.hidden = target !== "cloud";
  // Analysts sign in to an edge proxy only: Defender's own hosts and the simulator take a token.
  el.signinFields.hidden = target !== "custom";
  el.account.hidden = target !== "custom";
  const audience = audienceFor();
  const named = audience ? ` (audience ${audience})` : "";
  if (target === "sim") {
    el.tokenLabel.textContent = "Simulator token";
    el.tokenHint.textContent = `The simulator's token (${SIM_TOKEN}) is filled in. Kept in this tab's memory only.`;
  } else if (target === "custom") {
    el.tokenLabel.textContent = "Proxy key or bearer token";
    el.tokenHint.textContent = `The key your edge proxy expects (sent as Authorization: Bearer …), or a Defender access token${named} if the proxy forwards yours. Kept in this tab's memory only, for this URL alone — never stored, never put in the URL.`;
  } else {
    el.tokenLabel.textContent = "Bearer token";
    el.tokenHint.textContent = `An access token for the Defender API${named}. Kept in this tab's memory only, for Microsoft alone — never stored, never put in the URL.`;
  }
  el.cloudHint.textContent = audience
    ? `Pick the cloud your tenant lives in. Tokens for this host are issued for the audience ${audience}.`
    : "Pick the cloud your tenant lives in.";
  tokens.sync();
  checkSession();
  updateEndpoint();
  showAccount(signedInAs());
}

function updateEndpoint() {
  const base = baseUrl();
  el.endpoint.textContent = base ? `${base}/api/machineactions/…` : "— enter a base URL —";
  updateLine();
}

/** The folded panel's one line: "Simulator · 127.0.0.1:8080". */
function updateLine() {
  const target = currentTarget();
  const name = { sim: "Simulator", cloud: "Defender cloud", custom: "Custom base URL" }[target];
  let host;
  try {
    host = new URL(baseUrl()).host;
  } catch {
    host = "no URL yet";
  }
  const parts = [name, host];
  const user = signedInHere();
  if (user) parts.push(`signed in as ${user}`);
  else if (el.token.value.trim() === "") parts.push("no token");
  el.line.textContent = parts.join(" · ");
}

function updateChange() {
  el.change.textContent = el.panel.open ? "Done" : "Change";
}

// The connection panel is a form only so the token field sits in one; it never submits.
$("conn-form").addEventListener("submit", (event) => event.preventDefault());
el.panel.addEventListener("toggle", updateChange);
for (const t of el.targets) t.addEventListener("change", applyTarget);
el.cloud.addEventListener("change", applyTarget);
el.customUrl.addEventListener("input", () => {
  updateEndpoint();
  if (el.customUrl.getAttribute("aria-invalid") === "true") checkCustomUrl();
});
// Once the URL is committed (not on every keystroke, which passes through other origins).
el.customUrl.addEventListener("change", () => {
  tokens.sync();
  applyTarget();
});
el.token.addEventListener("input", () => {
  updateLine();
  if (el.token.getAttribute("aria-invalid") === "true") checkToken();
});

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

function checkToken() {
  // The library would refuse an empty token anyway, but an inline message is clearer.
  const ok = el.token.value.trim() !== "";
  const missing = currentTarget() === "custom"
    ? "Enter the proxy's key, or sign in (top right) if the proxy accepts analysts' sign-in."
    : "Enter a bearer token for the Defender API.";
  setFieldError(el.token, el.tokenError, ok ? null : missing);
  return ok;
}

// ---------------------------------------------------------------- sign-in

function signinSettings() {
  return Object.fromEntries(Object.entries(el.signin).map(([name, [input]]) => [name, input.value.trim()]));
}

/** The session's token source when it was made for this proxy and these settings, else null. */
function activeProvider() {
  const origin = destination();
  return currentTarget() === "custom" && sessionMatches(origin, signinSettings()) ? providerFor(origin) : null;
}

/** Who is signed in to the proxy requests go to now, or null. */
export function signedInHere() {
  return activeProvider() ? signedInAs() : null;
}

/** A token made for one proxy or one app registration never goes to another: changing either signs out. */
function checkSession() {
  if (signedInAs() && currentTarget() === "custom" && !sessionMatches(destination(), signinSettings())) signOut();
}

function showAccount(user) {
  const here = user && signedInHere();
  el.accountLine.hidden = !here;
  el.accountName.textContent = here || "";
  el.signInBtn.hidden = Boolean(here);
  // Signed in, requests carry the user's token: the key field would only mislead.
  el.tokenField.hidden = Boolean(here);
  updateLine();
}

function showAccountError(message) {
  el.accountError.textContent = message ?? "";
  el.accountError.hidden = !message;
}

/** What to tell the user when MSAL's sign-in fails (its codes are documented at aka.ms/msal.js.errors). */
function signInProblem(e) {
  switch (e?.errorCode) {
    case "user_cancelled":
      return "Sign-in cancelled: the sign-in window was closed.";
    case "popup_window_error":
    case "empty_window_error":
      return "The browser blocked the sign-in window: allow pop-ups for this page and press Sign in again.";
    default:
      return `Sign-in failed: ${e?.errorMessage || e?.message || e}. Check the sign-in settings in the connection panel.`;
  }
}

async function startSignIn() {
  showAccountError(null);
  if (!checkCustomUrl()) {
    el.panel.open = true;
    el.customUrl.focus();
    return;
  }
  const settings = signinSettings();
  const problems = checkSettings(settings) ?? {};
  for (const [name, [input, error]] of Object.entries(el.signin)) setFieldError(input, error, problems[name] ?? null);
  const first = Object.keys(el.signin).find((name) => problems[name]);
  if (first) {
    el.panel.open = true;
    el.signin[first][0].focus();
    return;
  }
  el.signInBtn.disabled = true;
  try {
    await signIn(destination(), settings);
    el.signOutBtn.focus();
  } catch (e) {
    showAccountError(signInProblem(e));
  } finally {
    el.signInBtn.disabled = false;
  }
}

onSessionChange(showAccount);
el.signInBtn.addEventListener("click", startSignIn);
el.signOutBtn.addEventListener("click", async () => {
  await signOut();
  el.signInBtn.focus();
});
for (const [input, error] of Object.values(el.signin)) {
  input.addEventListener("input", () => {
    // Loaded once sign-in is being set up, so the Sign in button opens its window at once.
    preloadMsal().catch(() => {});
    if (input.getAttribute("aria-invalid") === "true") setFieldError(input, error, null);
  });
  input.addEventListener("change", () => {
    checkSession();
    showAccount(signedInAs());
  });
}

// ---------------------------------------------------------------- the client

let current = null; // { client, token, base, uses, stale }

/**
 * A lease on the client for the connection as it stands, `{ client, release() }`; call
 * `release` when the call is over. Null when the connection misses something: the panel
 * then opens with the field flagged and focused (unless `quiet`, for lookups nobody asked
 * for). Throws the package's error when it refuses the settings (nothing is sent then).
 */
export function connect({ quiet = false } = {}) {
  tokens.sync(); // the URL may have changed without a change event (Enter, autofill)
  checkSession();
  const provider = activeProvider();
  if (quiet && ((!provider && el.token.value.trim() === "") || (currentTarget() === "custom" && destination() === null))) return null;
  const urlOk = currentTarget() !== "custom" || checkCustomUrl();
  const tokenOk = provider !== null || checkToken();
  if (!urlOk || !tokenOk) {
    el.panel.open = true;
    (urlOk ? el.token : el.customUrl).focus();
    return null;
  }
  // Signed in: the package asks MSAL for the token before each request (refreshed when due).
  const token = provider ?? el.token.value;
  const base = baseUrl();
  if (!current || current.token !== token || current.base !== base) {
    const client = new MachineActionsClient({ token, baseUrl: base, ...CLIENT_OPTIONS });
    retire(current);
    current = { client, token, base, uses: 0, stale: false };
  }
  const entry = current;
  entry.uses += 1;
  let released = false;
  return {
    client: entry.client,
    release() {
      if (released) return;
      released = true;
      entry.uses -= 1;
      if (entry.stale && entry.uses === 0) entry.client.free();
    },
  };
}

function retire(entry) {
  if (!entry) return;
  entry.stale = true;
  if (entry.uses === 0) entry.client.free();
}
