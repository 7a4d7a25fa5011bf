// Runs the conformance suite in real headless Chromium (Debian's package,
// driven by npm playwright-core). The page is served from its own loopback
// origin, so every call to the simulator is cross-origin, as in a portal.

import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parseArgs, report } from "./report.mjs";
import { CHROMIUM_FLAGS, pagePort, serveRepoFile } from "../support.mjs";

const args = parseArgs(process.argv.slice(2));
const root = fileURLToPath(new URL("../../", import.meta.url));
// Only the package and the tests are served.
const server = createServer((req, res) => serveRepoFile(root, req, res));
// On the port whose origin the simulator was told to allow (--allow-origin).
await new Promise((resolve) => server.listen(pagePort(args), "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

let code = 1;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`    page error: ${e.message}`));
  await page.goto(`${origin}/tests/runtimes/chromium.html`);
  await page.waitForFunction(() => window.runConformance !== undefined, null, { timeout: 20_000 });
  const results = await page.evaluate(
    ({ sim, secret, refused, only }) => window.runConformance({ sim, secret, refused, only }),
    { sim: args.sim, secret: args.secret, refused: args.refused, only: args.only },
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
