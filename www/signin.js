// Analysts' sign-in with Entra ID, for an edge proxy that accepts their tokens (edge/auth.mjs):
// MSAL's authorization-code flow with PKCE in a popup, its cache in memory only (nothing in
// localStorage, sessionStorage or cookies; a reload signs out). The token is fetched with
// acquireTokenSilent before every request, so MSAL refreshes it when it nears expiry. A
// session belongs to the proxy origin and the settings it was made for: it is never sent
// anywhere else, and changing either signs out.
//
// MSAL is the npm package @azure/msal-browser (pinned in package.json), its browser build
// served from this origin at /vendor/ and loaded on first use.

const MSAL_URL = new URL("../vendor/msal-browser.min.js", import.meta.url).href;
/** The popup's redirect URI: a page that hands MSAL's answer back to this tab. */
export const REDIRECT_URI = new URL("signin-redirect.html", import.meta.url).href;

let msalLoad = null;
let session = null; // { app, account, scope, settings, origin, stale, provider }
const listeners = new Set();

/** Starts loading MSAL (e.g. when the proxy target is chosen), so a click opens the popup at once. */
export function preloadMsal() {
  msalLoad ??= import(MSAL_URL).then(() => {
    if (!globalThis.msal?.PublicClientApplication) throw new Error("the MSAL library did not load");
    return globalThis.msal;
  }).catch((e) => {
    msalLoad = null;
    throw e;
  });
  return msalLoad;
}

/** Called with the signed-in account's name, or null, whenever it changes. */
export function onSessionChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener(signedInAs());
}

/** The signed-in user's name (preferred_username), or null. */
export function signedInAs() {
  return session ? session.account.username || session.account.name || "your account" : null;
}

/**
 * What is wrong with the settings `{ authority, clientId, scope }`, per field, or null.
 * Only checks their shape; Entra (or the simulator) says the rest.
 */
export function checkSettings({ authority, clientId, scope }) {
  const problems = {};
  let url = null;
  try {
    url = new URL(authority);
  } catch {
    // reported below
  }
  if (!authority) problems.authority = "Enter the authority: https://login.microsoftonline.com/ and your tenant ID.";
  else if (!url || url.protocol !== "https:" || url.search || url.hash) problems.authority = "The authority is an https URL such as https://login.microsoftonline.com/<tenant-id>.";
  else if (url.pathname.replace(/\/+$/, "") === "") problems.authority = "Add your tenant ID to the authority: https://login.microsoftonline.com/<tenant-id>.";
  if (!clientId) problems.clientId = "Enter the application (client) ID of this page's app registration.";
  else if (!/^[\w-]{1,128}$/.test(clientId)) problems.clientId = "The client ID is a GUID, such as 22222222-0000-4000-8000-000000005fa0.";
  if (!scope) problems.scope = "Enter the proxy's API scope, e.g. api://<proxy-app-id>/MachineActions.Use.";
  else if (/\s/.test(scope)) problems.scope = "One scope only, without spaces.";
  return Object.keys(problems).length ? problems : null;
}

const sameSettings = (a, b) => a.authority === b.authority && a.clientId === b.clientId && a.scope === b.scope;

/** Whether the session (if any) was made for `origin` with `settings`. */
export function sessionMatches(origin, settings) {
  return Boolean(session && session.origin === origin && sameSettings(session.settings, settings));
}

/**
 * Opens the sign-in popup for the proxy at `origin` with `settings` (already checked).
 * Resolves with the user's name; rejects with MSAL's error (e.g. `user_cancelled`).
 */
export async function signIn(origin, settings) {
  const msal = await preloadMsal();
  await signOut();
  const authority = settings.authority.replace(/\/+$/, "");
  const app = new msal.PublicClientApplication({
    auth: {
      clientId: settings.clientId,
      authority,
      // Trust this authority's own metadata: no instance discovery at login.microsoftonline.com,
      // which would not know a sovereign cloud's or a test authority's host.
      knownAuthorities: [new URL(authority).host],
      redirectUri: REDIRECT_URI,
    },
    cache: { cacheLocation: "memoryStorage" },
    system: {
      loggerOptions: {
        logLevel: msal.LogLevel.Error,
        piiLoggingEnabled: false,
        loggerCallback: (level, message, containsPii) => {
          if (!containsPii) console.error(`sign-in: ${message}`);
        },
      },
    },
  });
  await app.initialize();
  // select_account: after a sign-out, Entra's own session would otherwise pick the same user again.
  const result = await app.loginPopup({ scopes: [settings.scope], prompt: "select_account" });
  app.setActiveAccount(result.account);
  const s = { app, account: result.account, scope: settings.scope, settings: { ...settings }, origin, stale: false };
  s.provider = {
    // Called by the package before every request: MSAL answers from its cache, or refreshes.
    getToken: () => tokenFor(s),
    // After a 401 the package asks once more; the next token is then fetched afresh.
    invalidate() {
      s.stale = true;
    },
  };
  session = s;
  changed();
  return signedInAs();
}

async function tokenFor(s) {
  if (session !== s) throw new Error("Signed out: sign in again to send requests to the proxy.");
  const forceRefresh = s.stale;
  s.stale = false;
  try {
    const result = await s.app.acquireTokenSilent({ scopes: [s.scope], account: s.account, forceRefresh });
    return result.accessToken;
  } catch (e) {
    if (e?.name === "InteractionRequiredAuthError") throw new Error("The sign-in has expired: sign in again.");
    throw e;
  }
}

/** The token source for the package's client, for the session made for `origin`, or null. */
export function providerFor(origin) {
  return session && session.origin === origin ? session.provider : null;
}

/** Forgets the session and every token MSAL held (its cache is this tab's memory). */
export async function signOut() {
  const s = session;
  if (!s) return;
  session = null;
  changed();
  await s.app.clearCache({ account: s.account }).catch(() => {});
}
