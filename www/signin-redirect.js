// The sign-in popup's redirect URI. MSAL's redirect bridge reads the answer Entra ID put in
// this page's URL (the code, in the fragment), removes it from the address bar, hands it to
// the page that opened the popup (same origin, over a BroadcastChannel) and closes the window.

const status = document.getElementById("signin-redirect-status");
try {
  await import(new URL("../vendor/redirect-bridge/msal-redirect-bridge.min.js", import.meta.url).href);
  await globalThis.msalRedirectBridge.broadcastResponseToMainFrame();
} catch (e) {
  status.textContent = `The sign-in could not be completed here: ${e && e.message ? e.message : e}. Close this window and try again.`;
}
