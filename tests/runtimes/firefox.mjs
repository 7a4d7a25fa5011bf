// Runs the conformance suite in real headless Firefox (Debian's firefox-esr,
// SpiderMonkey) without a WebDriver: Firefox starts, with a throw-away profile,
// on firefox.html served from its own loopback origin (so every call to the
// simulator is cross-origin, as in a portal); the page runs the suite and
// POSTs the results back here. Firefox is killed at the end, whatever happens,
// and a hard timeout guarantees the driver never hangs.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, report } from "./report.mjs";
import { pagePort, serveRepoFile } from "../support.mjs";

const FIREFOX = "/usr/bin/firefox-esr";
const args = parseArgs(process.argv.slice(2));
const timeoutMs = Number(args["timeout-secs"] ?? 120) * 1000;
const root = fileURLToPath(new URL("../../", import.meta.url));

let label = "Firefox";
let firefox = null;
let profile = null;
let stderrTail = [];
const pageErrors = [];
let resolveResults;
const resultsPosted = new Promise((resolve) => { resolveResults = resolve; });
let pageStarted = false;

// Serves only the package and the tests, and takes the page's reports.
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (req.method === "POST") {
    let body = "";
    req.setEncoding("utf8");
    for await (const chunk of req) {
      body += chunk;
      if (body.length > 8_000_000) return res.writeHead(413).end();
    }
    res.writeHead(204).end();
    let value;
    try { value = JSON.parse(body); } catch { value = { error: `unreadable POST to ${path}: ${body.slice(0, 200)}` }; }
    if (path === "/started") pageStarted = true;
    else if (path === "/page-error") pageErrors.push(value.message);
    else if (path === "/results") resolveResults(value);
    return;
  }
  // The control secret, for the page only: this server sends no CORS headers, so no
  // other origin can read it, and it never goes into the page's URL.
  if (path === "/sim-secret") return res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" }).end(args.secret);
  return serveRepoFile(root, req, res);
});

let code = 1;
let timer;
try {
  if (!existsSync(FIREFOX)) {
    throw new Error(`${FIREFOX} is missing (cargo xtask setup, or apt-get install firefox-esr)`);
  }
  label = `Firefox ${firefoxVersion()}`;
  // On the port whose origin the simulator was told to allow (--allow-origin).
  await new Promise((resolve) => server.listen(pagePort(args), "127.0.0.1", resolve));
  const query = new URLSearchParams({ sim: args.sim, refused: args.refused, ...(args.only ? { only: args.only } : {}) });
  const page = `http://127.0.0.1:${server.address().port}/tests/runtimes/firefox.html?${query}`;

  profile = mkdtempSync(join(tmpdir(), "mde-firefox-"));
  writeFileSync(join(profile, "user.js"), userJs());
  firefox = spawn(FIREFOX, ["--headless", "--no-remote", "--profile", profile, page], {
    detached: true, // its own process group, so the content processes die with it
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      HOME: profile, // nothing is written to the real home
      XDG_CACHE_HOME: join(profile, "cache"),
      MOZ_HEADLESS: "1",
      MOZ_CRASHREPORTER_DISABLE: "1",
      MOZ_DISABLE_AUTO_SAFE_MODE: "1",
      // What Mozilla's own test harnesses set: only loopback connections, and
      // release builds then honour the services.settings.server override below.
      MOZ_DISABLE_NONLOCAL_CONNECTIONS: "1",
    },
  });
  // Firefox has its own process group, so an interrupted driver must take it down itself.
  process.on("exit", killFirefoxNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => { killFirefoxNow(); rmSync(profile, { recursive: true, force: true }); process.exit(1); });
  }
  firefox.stderr.setEncoding("utf8");
  firefox.stderr.on("data", (text) => { stderrTail = [...stderrTail, ...text.split("\n").filter(Boolean)].slice(-6); });

  const exited = new Promise((_, reject) => {
    firefox.once("error", (e) => reject(new Error(`cannot start ${FIREFOX}: ${e.message}`)));
    firefox.once("exit", (status, signal) => reject(new Error(`Firefox exited (${signal ?? status}) before posting results`)));
  });
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(
      `no results within ${timeoutMs / 1000} s (${pageStarted ? "the page started; the suite did not finish" : "the page never started"})`,
    )), timeoutMs);
  });
  const posted = await Promise.race([resultsPosted, exited, timedOut]);
  if (posted.error) throw new Error(`the page failed: ${posted.error}`);
  for (const message of pageErrors) console.log(`    page error: ${message}`);
  code = report(label, posted.results);
} catch (e) {
  console.log(`not ok - ${label}: the suite could not run: ${e.message}`);
  for (const line of [...pageErrors.map((m) => `page error: ${m}`), ...stderrTail.map((l) => `firefox: ${l}`)]) {
    console.log(`    ${line}`);
  }
  console.log("0 passed, 1 failed");
  code = 1;
} finally {
  clearTimeout(timer);
  await stopFirefox();
  server.close();
  server.closeAllConnections?.();
}
process.exit(code);

function firefoxVersion() {
  // "Mozilla Firefox 153.8.0esr"
  const text = execFileSync(FIREFOX, ["--version"], { encoding: "utf8", timeout: 15_000, env: { ...process.env, MOZ_HEADLESS: "1" } });
  return text.trim().replace(/^Mozilla Firefox /, "");
}

function killFirefoxNow() {
  try { process.kill(-firefox.pid, "SIGKILL"); } catch { /* already gone */ }
}

async function stopFirefox() {
  if (firefox && firefox.exitCode === null && firefox.signalCode === null && firefox.pid) {
    const gone = new Promise((resolve) => firefox.once("exit", resolve));
    killFirefoxNow();
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  }
  if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
}

/** A profile that opens only our page and makes no connection of its own. */
function userJs() {
  const prefs = {
    // First run, start-up and what's-new pages; default-browser prompt.
    "browser.shell.checkDefaultBrowser": false,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.homepage": "about:blank",
    "browser.startup.page": 0,
    "startup.homepage_welcome_url": "",
    "startup.homepage_welcome_url.additional": "",
    "browser.aboutwelcome.enabled": false,
    "browser.newtabpage.enabled": false,
    "browser.newtabpage.activity-stream.feeds.telemetry": false,
    "browser.newtabpage.activity-stream.telemetry": false,
    "browser.newtabpage.activity-stream.feeds.topsites": false,
    "browser.newtabpage.activity-stream.feeds.section.topstories": false,
    "browser.newtabpage.activity-stream.feeds.system.topstories": false,
    "browser.topsites.contile.enabled": false,
    "browser.messaging-system.whatsNewPanel.enabled": false,
    "browser.sessionstore.resume_from_crash": false,
    "toolkit.startup.max_resumed_crashes": -1,
    "browser.tabs.warnOnClose": false,
    "browser.warnOnQuit": false,
    // Telemetry, health report, studies.
    "datareporting.policy.dataSubmissionEnabled": false,
    "datareporting.policy.dataSubmissionPolicyBypassNotification": true,
    "datareporting.healthreport.uploadEnabled": false,
    "toolkit.telemetry.enabled": false,
    "toolkit.telemetry.unified": false,
    "toolkit.telemetry.archive.enabled": false,
    "toolkit.telemetry.server": "",
    "telemetry.fog.test.localhost_port": -1, // Glean: negative means never upload
    "toolkit.telemetry.reportingpolicy.firstRun": false,
    "toolkit.telemetry.shutdownPingSender.enabled": false,
    "toolkit.telemetry.newProfilePing.enabled": false,
    "toolkit.telemetry.firstShutdownPing.enabled": false,
    "browser.ping-centre.telemetry": false,
    "app.normandy.enabled": false,
    "app.normandy.api_url": "",
    "app.shield.optoutstudies.enabled": false,
    "browser.discovery.enabled": false,
    // Updates: the browser, add-ons, search engines, media plug-ins.
    "app.update.disabledForTesting": true,
    "app.update.auto": false,
    "app.update.enabled": false,
    "extensions.update.enabled": false,
    "extensions.update.autoUpdateDefault": false,
    "extensions.getAddons.cache.enabled": false,
    "extensions.systemAddon.update.enabled": false,
    "extensions.blocklist.enabled": false,
    "browser.search.update": false,
    "browser.search.geoSpecificDefaults": false,
    "browser.region.network.url": "",
    "browser.region.update.enabled": false,
    "geo.provider.network.url": "",
    "media.gmp-manager.updateEnabled": false,
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": false,
    // Remote settings (and what it feeds), safe browsing, push.
    "services.settings.server": "data:,#remote-settings-dummy/v1", // the value Firefox knows means "none"
    "security.remote_settings.crlite_filters.enabled": false,
    "security.remote_settings.intermediates.enabled": false,
    "browser.safebrowsing.malware.enabled": false,
    "browser.safebrowsing.phishing.enabled": false,
    "browser.safebrowsing.downloads.enabled": false,
    "browser.safebrowsing.downloads.remote.enabled": false,
    "browser.safebrowsing.blockedURIs.enabled": false,
    "browser.safebrowsing.passwords.enabled": false,
    "browser.safebrowsing.update.enabled": false,
    "browser.safebrowsing.provider.google.updateURL": "",
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "privacy.trackingprotection.enabled": false,
    "dom.push.enabled": false,
    "dom.push.connection.enabled": false,
    "dom.push.serverURL": "",
    "identity.fxaccounts.enabled": false,
    "browser.translations.enable": false,
    // Background connections: captive portal, connectivity, DoH, prefetch, proxy.
    "network.captive-portal-service.enabled": false,
    "captivedetect.canonicalURL": "",
    "network.connectivity-service.enabled": false,
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": true,
    "network.prefetch-next": false,
    "network.predictor.enabled": false,
    "network.http.speculative-parallel-limit": 0,
    "network.proxy.type": 0,
    "security.OCSP.enabled": 0,
  };
  return Object.entries(prefs).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`).join("");
}
