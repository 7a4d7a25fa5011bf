// Runs the conformance suite in real headless Chromium (Debian's package,
// driven by npm playwright-core). The page is served from its own loopback
// origin, so every call to the simulator is cross-origin, as in a portal.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parseArgs, report } from "./report.mjs";

const args = parseArgs(process.argv.slice(2));
const root = fileURLToPath(new URL("../../", import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };

// Only the package and the tests are served.
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!/^\/(pkg|tests)\//.test(path)) return res.writeHead(404).end();
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

let code = 1;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumFlags() });
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`    page error: ${e.message}`));
  await page.goto(`${origin}/tests/runtimes/chromium.html`);
  await page.waitForFunction(() => window.runConformance !== undefined, null, { timeout: 20_000 });
  const results = await page.evaluate(
    ({ sim, refused, only }) => window.runConformance({ sim, refused, only }),
    { sim: args.sim, refused: args.refused, only: args.only },
  );
  code = report(`Chromium ${browser.version()}`, results);
} catch (e) {
  console.log(`not ok - Chromium: the suite could not run: ${e.message}`);
  console.log("0 passed, 1 failed");
} finally {
  await browser.close();
  server.close();
}
process.exit(code);

/** Headless, sandbox off (root), and no background connections: this machine's network is closed. */
export function chromiumFlags() {
  return [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ];
}
