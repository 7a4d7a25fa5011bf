// The page's Find and bulk-cancel tests, and the single cancel's confirmation and watch:
// device suggestions and the $filter a search sends, the 150 scans of the demo tenant's
// misfired playbook previewed and then cancelled (downloads included), Stop in the middle
// of a run, ?id=, 360 px, dark, axe and the keyboard. Registered by page.mjs, which passes
// its helpers in `p`; the core flows run again through the Worker.

import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const PLAYBOOK = "playbook-auto-scan@contoso.com";
const PLAYBOOK_SIZE = 150;
/** desktop-fin-042's id in the simulator's seeds. */
const FIN_042 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4";
const FORMULA_ID = "dead0bad-0000-4000-8000-0000000003d1";

export function registerBulkTests(p) {
  const { test, viaWorker, assert, sim, apiRequests } = p;

  /** The client's quota and the simulator's, both scaled to `calls` a second, so a run is quick (or slow) and never meets a 429. */
  async function pace(calls) {
    await sim("PUT", "/quota", { limits: [{ calls, window_ms: 1_000 }] });
    return { CLIENT_OPTIONS: { timeoutMs: 30_000, quota: [{ calls, windowMs: 1_000 }] }, WATCH_INTERVAL_MS: 300 };
  }

  /** The $filter (decoded) of each listing the simulator received, for `path`. */
  async function filters(path) {
    return (await apiRequests())
      .filter((r) => r.method === "GET" && r.path === path)
      .map((r) => new URLSearchParams(r.query ?? "").get("$filter"));
  }

  /** Fills the search and presses Find; waits for the count line to change to `rows` rows. */
  async function find(page, { device = "", requestor = "", type = "", statuses = null } = {}, rows = null) {
    await page.getByLabel("Device name").fill(device);
    await page.getByLabel("Requested by").fill(requestor);
    await page.getByLabel("Type", { exact: true }).selectOption(type);
    if (statuses) {
      for (const box of await page.locator('input[name="find-status"]').all()) {
        await box.setChecked(statuses.includes(await box.getAttribute("value")));
      }
    }
    await page.locator("#find-status").evaluate((e) => { e.textContent = ""; });
    await page.getByRole("button", { name: "Find", exact: true }).click();
    await page.locator("#find-status", { hasText: /found|matches|starts|Error/ }).waitFor();
    if (rows !== null) {
      const n = await page.locator("#find-body tr").count();
      assert(n === rows, `Find showed ${n} rows, not ${rows}: ${await page.locator("#find-status").innerText()}`);
    }
  }

  /** Ticks select-all, opens "Cancel selected…", fills the comment and the preview choice, and starts the run. */
  async function startBulk(page, comment, preview) {
    if (!(await page.locator("#select-all").isChecked())) await page.locator("#select-all").check();
    await page.getByRole("button", { name: /Cancel selected/ }).click();
    await page.locator("#bulk-dialog").waitFor();
    await page.locator("#bulk-comment").fill(comment);
    await page.getByLabel("Preview only").setChecked(preview);
    await page.locator("#bulk-go").click();
  }

  async function waitForRunEnd(page, head, timeout = 30_000) {
    try {
      await page.locator("#bulk-run.finished #bulk-run-title", { hasText: head }).waitFor({ timeout });
    } catch {
      throw new Error(`the run never ended with "${head}"; it shows: ${(await page.locator("#bulk-run").innerText()).replace(/\s+/g, " ").slice(0, 300)}`);
    }
  }

  /** Fills the single-cancel form, presses "Cancel action" and resolves with the question the page asks. */
  async function askToCancel(page, id, comment) {
    await page.getByLabel("Machine action ID").fill(id);
    await page.locator("#comment").fill(comment);
    await page.getByRole("button", { name: "Cancel action" }).click();
    await p.confirmDialog(page).waitFor();
    return p.confirmDialog(page).locator("h2").innerText();
  }

  const outcomes = (page) => page.locator("#find-body [data-outcome]").evaluateAll((badges) => badges.map((b) => b.dataset.outcome));

  test("Find by device name: suggestions from the device lookup, the matching actions, and the $filter sent", async (t) => {
    const page = await p.openPage(t);
    await page.getByLabel("Device name").pressSequentially("desktop-fin", { delay: 20 });
    await page.locator("#device-suggestions option").first().waitFor({ state: "attached" });
    const suggested = await page.locator("#device-suggestions option").evaluateAll((o) => o.map((x) => x.value));
    assert(JSON.stringify(suggested) === JSON.stringify(["desktop-fin-017.contoso.local", "desktop-fin-042.contoso.local"]),
      `suggestions: ${suggested.join(", ")}`);
    const lookups = await filters("/api/machines");
    assert(lookups.length >= 1 && lookups.every((f) => /^startswith\(computerDnsName,'desktop-f/.test(f)), `device lookups: ${lookups.join(" | ")}`);

    await sim("DELETE", "/requests");
    await find(page, { device: "desktop-fin-042" });
    const rows = await page.locator("#find-body tr").evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(1).map((c) => c.innerText.trim())));
    assert(rows.length >= 1, "no row for desktop-fin-042");
    const headers = await page.locator(".actions-table thead th").evaluateAll((th) => th.map((x) => x.innerText.trim()));
    assert(JSON.stringify(headers.slice(1, 7)) === JSON.stringify(["Type", "Device", "Requested by", "Comment", "Created", "Status"]), `columns: ${headers.join(", ")}`);
    const isolate = rows.find((r) => r[0] === "Isolate (Full)");
    assert(isolate, `no Isolate (Full) row: ${JSON.stringify(rows)}`);
    const stored = await sim("GET", `/actions/${p.PENDING_ISOLATE}`);
    assert(isolate[1] === "desktop-fin-042.contoso.local" && isolate[2] === stored.requestor && isolate[3] === stored.requestorComment && isolate[5] === "Pending",
      `the Isolate row reads ${JSON.stringify(isolate)}`);
    assert(rows.every((r) => r[1] === "desktop-fin-042.contoso.local" && ["Pending", "InProgress"].includes(r[5])), `a row of another device or status: ${JSON.stringify(rows)}`);
    let listed = await filters("/api/machineactions");
    assert(listed.length === 1 && listed[0] === `(status eq 'Pending' or status eq 'InProgress') and machineId eq '${FIN_042}'`,
      `the listing's $filter: ${listed.join(" | ")}`);

    // Another status and a type: the filter says so, and the table follows.
    await sim("DELETE", "/requests");
    await find(page, { device: "", type: "Isolate", statuses: ["Cancelled", "Succeeded"] });
    listed = await filters("/api/machineactions");
    assert(listed.length === 1 && listed[0] === "(status eq 'Succeeded' or status eq 'Cancelled') and type eq 'Isolate'", `the listing's $filter: ${listed.join(" | ")}`);
    const statuses = await page.locator("#find-body tr td:nth-child(7)").allInnerTexts();
    assert(statuses.length >= 1 && statuses.every((s) => ["Succeeded", "Cancelled"].includes(s.trim())), `statuses shown: ${statuses.join(", ")}`);
    assert(await page.locator("#find-body tr td:nth-child(2)").allInnerTexts().then((ts) => ts.every((x) => x.startsWith("Isolate"))), "a row of another type");
    assert((await apiRequests()).every((r) => r.method === "GET"), "Find sent something other than GETs");
  });

  test("bulk: the 150 playbook scans previewed (nothing sent), then cancelled, with CSV and JSON downloads", async (t) => {
    await sim("POST", "/seed", { preset: "demo" });
    const settings = await pace(60);
    const page = await p.openPage(t, { settings, bypassCSP: true });
    await find(page, { requestor: PLAYBOOK, type: "RunAntiVirusScan" }, PLAYBOOK_SIZE);
    await page.locator("#select-all").check();
    assert((await page.locator("#selected-count").innerText()) === "150 of 150 selected", "select-all did not select the 150");
    await page.getByRole("button", { name: /Cancel selected/ }).click();
    const dialog = page.locator("#bulk-dialog");
    await dialog.waitFor();
    assert((await page.locator("#bulk-title").innerText()) === "Cancel 150 machine actions?", `the dialog asks: ${await page.locator("#bulk-title").innerText()}`);
    const groups = await page.locator("#bulk-groups li").allInnerTexts();
    assert(JSON.stringify(groups) === JSON.stringify(["150 × RunAntiVirusScan (Full) on 150 devices"]), `the dialog's groups: ${groups.join(" | ")}`);
    t.problems.push(...await p.axeScan(page, "the bulk dialog, open"));
    // The comment is required: nothing starts without one.
    await page.locator("#bulk-go").click();
    assert(await page.locator("#bulk-comment").getAttribute("aria-invalid") === "true", "an empty comment was not flagged");
    assert(await dialog.isVisible(), "the dialog closed without a comment");

    // Preview only: every action would be cancelled, and no cancel reaches the simulator.
    await page.getByLabel("Preview only").check();
    assert((await page.locator("#bulk-go").innerText()) === "Preview 150 actions", `the button reads ${await page.locator("#bulk-go").innerText()}`);
    await page.locator("#bulk-comment").fill("Misfired playbook: scans not wanted (INC-7731)");
    await page.locator("#bulk-go").click();
    await waitForRunEnd(page, "Preview done");
    let seen = await outcomes(page);
    assert(seen.length === PLAYBOOK_SIZE && seen.every((o) => o === "would_cancel"), `preview outcomes: ${[...new Set(seen)].join(", ")} (${seen.length})`);
    assert(!(await apiRequests()).some((r) => r.method === "POST"), "the preview sent a cancel");

    // The real run.
    await sim("DELETE", "/requests");
    await startBulk(page, "Misfired playbook: scans not wanted (INC-7731)", false);
    await page.locator("#bulk-progress").waitFor();
    await waitForRunEnd(page, "Done");
    const bar = await page.locator("#bulk-progress").evaluate((b) => [b.value, b.max]);
    assert(bar[0] === PLAYBOOK_SIZE && bar[1] === PLAYBOOK_SIZE, `the progress bar ended at ${bar[0]}/${bar[1]}`);
    assert(/150 of 150 done/.test(await page.locator("#bulk-progress-text").innerText()), "the progress text does not read 150 of 150");
    seen = await outcomes(page);
    assert(seen.length === PLAYBOOK_SIZE && seen.every((o) => o === "cancelled"), `outcomes: ${[...new Set(seen)].join(", ")} (${seen.length})`);
    const counts = await page.locator("#bulk-counts li").evaluateAll((li) => li.map((x) => [x.dataset.outcome, x.innerText.replace(/\s+/g, " ").trim()]));
    assert(JSON.stringify(counts) === JSON.stringify([["cancelled", "Cancelled 150"]]), `summary: ${JSON.stringify(counts)}`);
    const posts = (await apiRequests()).filter((r) => r.method === "POST");
    const ids = new Set(posts.map((r) => r.path));
    assert(posts.length === PLAYBOOK_SIZE && ids.size === PLAYBOOK_SIZE, `the simulator received ${posts.length} cancels (${ids.size} actions)`);
    assert(posts.every((r) => JSON.parse(r.body).Comment === "Misfired playbook: scans not wanted (INC-7731)"), "a cancel without the comment");
    assert((await sim("GET", "/quota")).rejected === 0, "the simulator answered 429 during the run");

    // Downloads: CSV and JSON, 150 rows each.
    const saved = async (name) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name }).click()]);
      return { name: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
    };
    const csv = await saved("Download results (CSV)");
    const lines = csv.text.trimEnd().split("\r\n");
    assert(csv.name.endsWith(".csv") && lines.length === PLAYBOOK_SIZE + 1, `the CSV ${csv.name} has ${lines.length} lines`);
    assert(lines[0].startsWith("id,machineId,computerDnsName,type,outcome,status"), `CSV header: ${lines[0]}`);
    assert(lines.slice(1).every((l) => l.split(",")[4] === "cancelled" && l.split(",")[3] === "RunAntiVirusScan"), "a CSV row without outcome cancelled");
    const json = await saved("Download results (JSON)");
    const report = JSON.parse(json.text);
    assert(json.name.endsWith(".json") && report.results.length === PLAYBOOK_SIZE && report.results.every((r) => r.outcome === "cancelled"),
      `the JSON ${json.name} has ${report.results?.length} results`);
    assert(report.summary.cancelled === PLAYBOOK_SIZE && report.dryRun === false && report.stopped === false, `JSON summary: ${JSON.stringify(report.summary)}`);
    const stored = (await sim("GET", "/actions")).filter((a) => a.requestor === PLAYBOOK);
    assert(stored.every((a) => a.status === "Cancelled"), "a playbook scan is not Cancelled in the simulator");

    // The README's picture of a finished run: the page from its top, the table's first rows.
    await page.setViewportSize({ width: 1280, height: 1040 });
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    const shot = join(p.artifacts, "bulk.png");
    await writeFile(shot, p.repackPng(await page.screenshot()));
    if (p.args["update-docs"] !== undefined) await copyFile(shot, join(p.root, "docs/bulk.png"));
  });

  test("bulk: Stop in the middle leaves some cancelled, the rest skipped, and nothing is sent after it", async (t) => {
    await sim("POST", "/seed", { preset: "demo" });
    const settings = await pace(6);
    const page = await p.openPage(t, { settings });
    await find(page, { requestor: PLAYBOOK }, PLAYBOOK_SIZE);
    await startBulk(page, "stop test", false);
    const stop = page.locator("#bulk-stop");
    await stop.waitFor();
    assert(await page.evaluate(() => document.activeElement?.id) === "bulk-stop", "focus is not on Stop when the run starts");
    await page.waitForFunction(() => document.getElementById("bulk-progress").value >= 8, null, { timeout: 10_000 });
    const left = await page.locator("#bulk-progress-text").innerText();
    assert(/left/.test(left), `no time left shown while running: ${left}`);
    await stop.click();
    await waitForRunEnd(page, "Stopped");
    const seen = await outcomes(page);
    const cancelled = seen.filter((o) => o === "cancelled").length;
    const skipped = seen.filter((o) => o === "skipped").length;
    assert(seen.length === PLAYBOOK_SIZE && cancelled + skipped === PLAYBOOK_SIZE, `outcomes after Stop: ${[...new Set(seen)].join(", ")}`);
    assert(cancelled >= 8 && skipped > 0, `${cancelled} cancelled, ${skipped} skipped`);
    const sent = (await apiRequests()).filter((r) => r.method === "POST").length;
    assert(sent === cancelled, `the simulator received ${sent} cancels, the page says ${cancelled} cancelled`);
    assert(await page.evaluate(() => document.activeElement?.id) === "bulk-run-title", "focus did not move to the outcome when Stop went away");
    await p.sleep(1_500);
    const later = (await apiRequests()).filter((r) => r.method === "POST").length;
    assert(later === sent, `${later - sent} cancels arrived after Stop`);
    assert(/Cancelled/.test(await page.locator("#bulk-counts").innerText()) && /Skipped/.test(await page.locator("#bulk-counts").innerText()), "the summary does not count both");
    assert(await page.locator("#select-all").isEnabled() && await page.getByRole("button", { name: "Find", exact: true }).isEnabled(), "the table stayed locked");
  });

  test("single cancel asks first: Keep it sends nothing, Escape neither, confirming sends one cancel", async (t) => {
    const page = await p.openPage(t);
    const question = await askToCancel(page, p.PENDING_ISOLATE, "asked first");
    assert(question === "Cancel Isolate (Full) on desktop-fin-042.contoso.local?", `the question: ${question}`);
    await page.getByRole("button", { name: "Keep it" }).click();
    assert(!(await p.confirmDialog(page).isVisible()), "the dialog stayed open");
    await page.getByRole("button", { name: "Cancel action" }).click();
    await p.confirmDialog(page).waitFor();
    await page.keyboard.press("Escape");
    await p.confirmDialog(page).waitFor({ state: "hidden" });
    let reqs = await apiRequests();
    assert(reqs.length === 2 && reqs.every((r) => r.method === "GET"), `before confirming: ${reqs.map((r) => r.method).join(", ")}`);
    assert((await sim("GET", `/actions/${p.PENDING_ISOLATE}`)).status === "Pending", "the action changed");
    await p.submitCancel(page);
    await p.waitForBadge(page, "Cancelled");
    reqs = await apiRequests();
    assert(reqs.filter((r) => r.method === "POST").length === 1, `confirming sent ${reqs.filter((r) => r.method === "POST").length} cancels`);
  });

  test("a cancel that still reads Pending is watched until it is final", async (t) => {
    const settings = await pace(50);
    const page = await p.openPage(t, { settings });
    const action = await sim("GET", `/actions/${p.PENDING_ISOLATE}`);
    // Defender took the cancel but the action still reads Pending; it turns Cancelled later.
    await sim("POST", "/faults", { method: "POST", path_contains: "/cancel", status: 200, json: action });
    await page.getByLabel("Machine action ID").fill(p.PENDING_ISOLATE);
    await page.locator("#comment").fill("watch it");
    await p.submitCancel(page);
    await page.locator("#watch-line", { hasText: "Watching" }).waitFor();
    assert(/Pending/.test(await page.locator("#watch-line").innerText()), "the watch line does not say Pending");
    assert(await page.getByRole("button", { name: "Stop" }).first().isVisible(), "no Stop while watching");
    await p.sleep(800);
    await sim("PUT", `/actions/${p.PENDING_ISOLATE}`, {
      ...action, status: "Cancelled", cancellationRequestor: "soc-portal@contoso.onmicrosoft.com",
      cancellationComment: "watch it", cancellationDateTimeUtc: "2026-03-02T11:00:00Z",
    });
    await page.locator("#result .result-sub", { hasText: "Final state" }).waitFor({ timeout: 8_000 });
    await p.waitForBadge(page, "Cancelled");
    assert(/The cancel took effect/.test(await page.locator("#result").innerText()), "the final card does not say the cancel took effect");
    const reads = (await apiRequests()).filter((r) => r.method === "GET").length;
    assert(reads >= 3, `the action was read ${reads} times (the confirmation's read and at least two while watching)`);
  });

  test("?id= fills in the action ID and nothing else; a bad one is ignored", async (t) => {
    const path = `/?id=${p.PENDING_ISOLATE}&token=stolen-token&baseUrl=https%3A%2F%2Fevil.example&comment=x`;
    const page = await p.openPage(t, { path });
    assert(await page.getByLabel("Machine action ID").inputValue() === p.PENDING_ISOLATE, "the id was not filled in");
    assert(await page.locator("#token").inputValue() === "sim-token", "the token came from the URL");
    await p.openConnection(page);
    assert(await page.getByRole("radio", { name: /Simulator/ }).isChecked(), "the target changed");
    assert(await page.locator("#comment").inputValue() === "", "the comment came from the URL");
    assert(!(await page.locator("#conn-line").innerText()).includes("evil"), "the base URL came from the URL");
    for (const bad of ["not-a-guid", encodeURIComponent(p.HOSTILE)]) {
      await page.goto(`${p.SIM()}/?id=${bad}`);
      await page.waitForSelector("html[data-ready]");
      assert(await page.getByLabel("Machine action ID").inputValue() === "", `?id=${bad} was filled in`);
      assert(await page.locator("#action-id").getAttribute("aria-invalid") !== "true", `?id=${bad} flagged the field`);
    }
    assert((await apiRequests()).length === 0, "opening the page sent a request");
  });

  test("360 px wide, light and dark: the table and the dialog fit without scrolling sideways", async (t) => {
    await sim("POST", "/seed", { preset: "demo" });
    for (const colorScheme of ["light", "dark"]) {
      const page = await p.openPage(t, { viewport: { width: 360, height: 760 }, colorScheme });
      await find(page, { requestor: PLAYBOOK }, PLAYBOOK_SIZE);
      await page.locator("#find-body tr").first().locator("input").check();
      const width = () => page.evaluate(() => document.scrollingElement.scrollWidth);
      assert(await width() <= 360, `${colorScheme}: the page with the table is ${await width()} px wide`);
      await page.getByRole("button", { name: /Cancel selected/ }).click();
      await page.locator("#bulk-dialog").waitFor();
      assert(await width() <= 360, `${colorScheme}: the page with the dialog is ${await width()} px wide`);
      const box = await page.locator("#bulk-dialog").boundingBox();
      assert(box.x >= 0 && box.x + box.width <= 360, `${colorScheme}: the dialog spans ${box.x}–${box.x + box.width} px`);
      await writeFile(join(p.artifacts, `bulk-360-${colorScheme}.png`), p.repackPng(await page.screenshot()));
      await page.getByRole("button", { name: "Back" }).click();
      await page.evaluate(() => document.querySelector(".find-card").scrollIntoView());
      await writeFile(join(p.artifacts, `find-360-${colorScheme}.png`), p.repackPng(await page.screenshot()));
    }
    const dark = await p.openPage(t, { colorScheme: "dark" });
    await find(dark, { requestor: PLAYBOOK }, PLAYBOOK_SIZE);
    const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg === "rgb(15, 19, 24)", `the dark page's background is ${bg}`);
    await writeFile(join(p.artifacts, "find-desktop-dark.png"), p.repackPng(await dark.screenshot()));
  });

  test("axe-core: the find table, the bulk dialog and the confirmation, light and dark", async (t) => {
    for (const colorScheme of ["light", "dark"]) {
      await sim("POST", "/reset");
      const page = await p.openPage(t, { bypassCSP: true, colorScheme });
      await find(page, { device: "desktop-fin" });
      await page.locator("#find-body tr").first().locator("input").check();
      t.problems.push(...await p.axeScan(page, `${colorScheme}, the find table`));
      await page.getByRole("button", { name: /Cancel selected/ }).click();
      await page.locator("#bulk-dialog").waitFor();
      t.problems.push(...await p.axeScan(page, `${colorScheme}, the bulk dialog`));
      await page.getByLabel("Preview only").check();
      await page.locator("#bulk-comment").fill("axe");
      await page.locator("#bulk-go").click();
      await waitForRunEnd(page, "Preview done");
      t.problems.push(...await p.axeScan(page, `${colorScheme}, a finished preview`));
      await page.getByLabel("Machine action ID").fill(p.PENDING_ISOLATE);
      await page.locator("#comment").fill("axe");
      await page.getByRole("button", { name: "Cancel action" }).click();
      await p.confirmDialog(page).waitFor();
      t.problems.push(...await p.axeScan(page, `${colorScheme}, the confirmation`));
      await page.getByRole("button", { name: "Keep it" }).click();
    }
  });

  test("keyboard only: search, tick a row, open Cancel selected… and confirm", async (t) => {
    const page = await p.openPage(t);
    const kb = page.keyboard;
    const active = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || "");
    async function tabTo(want, limit = 40, key = "Tab") {
      for (let i = 0; i < limit; i += 1) {
        if (await active() === want) return;
        await kb.press(key);
      }
      throw new Error(`Tab never reached ${want} (stuck at ${await active()})`);
    }
    await tabTo("find-device");
    await kb.type("desktop-fin-042");
    await tabTo("find-btn");
    await kb.press("Enter");
    await page.locator("#find-body tr").first().waitFor();
    await tabTo("select-all");
    await kb.press("Tab");
    assert(await active() === "row-select", `Tab from select-all went to ${await active()}, not the first row`);
    const first = await page.locator("#find-body tr").first().innerText();
    await kb.press("Space");
    assert(await page.locator("#find-body .row-select").first().isChecked(), "Space did not tick the row");
    await tabTo("bulk-btn", 6, "Shift+Tab");
    await kb.press("Enter");
    await page.locator("#bulk-dialog").waitFor();
    assert(await active() === "bulk-comment", `the dialog opened with focus on ${await active()}, not the comment`);
    await kb.type("keyboard bulk");
    await tabTo("bulk-go", 6);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== "none", "the focused button has no visible focus outline");
    await kb.press("Enter");
    await waitForRunEnd(page, "Done");
    const seen = await outcomes(page);
    assert(JSON.stringify(seen) === JSON.stringify(["cancelled"]), `outcomes: ${seen.join(", ")} (the row: ${first.replace(/\s+/g, " ")})`);
    const posts = (await apiRequests()).filter((r) => r.method === "POST");
    assert(posts.length === 1, `the simulator received ${posts.length} cancels`);
  });

  test("hostile strings from the server render as inert text in the table and the dialogs", async (t) => {
    await sim("PUT", `/actions/${p.HOSTILE_ID}`, {
      type: "Isolate", title: p.HOSTILE, requestor: p.HOSTILE, requestorComment: p.HOSTILE, status: "Pending",
      machineId: FIN_042, computerDnsName: p.HOSTILE, creationDateTimeUtc: "2026-03-02T10:00:00Z",
      lastUpdateDateTimeUtc: "2026-03-02T10:00:00Z", scope: p.HOSTILE, commands: [],
    });
    // A device name a spreadsheet would run as a formula, quotes and a comma included.
    const FORMULA = '=HYPERLINK("https://evil.example/?a,b","open")';
    await sim("PUT", `/actions/${FORMULA_ID}`, {
      type: "RunAntiVirusScan", requestor: p.HOSTILE, requestorComment: "-2+3", status: "Pending", machineId: FIN_042,
      computerDnsName: FORMULA, creationDateTimeUtc: "2026-03-01T10:00:00Z", lastUpdateDateTimeUtc: "2026-03-01T10:00:00Z",
      scope: "Quick", commands: [],
    });
    const page = await p.openPage(t);
    const scripts = await page.locator("script").count();
    await find(page, { requestor: p.HOSTILE }, 2);
    const row = page.locator("#find-body tr").first();
    const cells = await row.locator("td").allInnerTexts();
    assert(cells[1] === `Isolate (${p.HOSTILE})` && cells[2] === p.HOSTILE && cells[3] === p.HOSTILE && cells[4] === p.HOSTILE,
      `the row does not show the strings literally: ${JSON.stringify(cells)}`);
    await row.locator("input").check();
    await page.getByRole("button", { name: /Cancel selected/ }).click();
    await page.locator("#bulk-dialog").waitFor();
    assert((await page.locator("#bulk-groups").innerText()).includes(p.HOSTILE), "the dialog does not show the strings literally");
    await page.getByRole("button", { name: "Back" }).click();
    // The results file keeps the strings as text: the formula gets a leading ' and CSV quoting.
    await startBulk(page, "hostile preview", true);
    await waitForRunEnd(page, "Preview done");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download results (CSV)" }).click()]);
    const csv = await readFile(await download.path(), "utf8");
    assert(csv.includes(`,"'=HYPERLINK(""https://evil.example/?a,b"",""open"")",`), `the formula is not neutralised in the CSV: ${csv}`);
    assert(csv.includes(`,"${p.HOSTILE}",`) || csv.includes(`,${p.HOSTILE},`), "the hostile name is not in the CSV as it came");
    await page.waitForTimeout(300);
    assert(t.dialogs.length === 0, `a browser dialog opened: ${t.dialogs.join(", ")}`);
    assert(await page.locator("img[src='x'], main img, dialog img").count() === 0, "an <img> was made from the server's text");
    assert(await page.locator("script").count() === scripts, "a <script> element was added");
  });

  // ---------------------------------------------------------------- through the Worker

  viaWorker("Find by device name and a bulk cancel", async (t) => {
    const planted = await sim("POST", "/pending", { count: 12, requestor: "worker-bulk@contoso.com", comment: "planted for the Worker" });
    const page = await p.openWorkerPage(t, undefined, { settings: await pace(50) });
    await page.getByLabel("Device name").pressSequentially("desktop-fin", { delay: 20 });
    await page.locator("#device-suggestions option").first().waitFor({ state: "attached" });
    await find(page, { device: "desktop-fin-042" });
    assert(await page.locator("#find-body tr").count() >= 1, "no row for desktop-fin-042 through the Worker");
    await find(page, { requestor: "worker-bulk@contoso.com" }, 12);
    await startBulk(page, "through the Worker", false);
    await waitForRunEnd(page, "Done");
    const seen = await outcomes(page);
    assert(seen.length === 12 && seen.every((o) => o === "cancelled"), `outcomes: ${seen.join(", ")}`);
    const upstream = await apiRequests();
    const posts = upstream.filter((r) => r.method === "POST");
    assert(posts.length === 12 && posts.every((r) => r.token === "issued"), `upstream: ${posts.length} cancels`);
    assert(upstream.some((r) => r.path === "/api/machines") && upstream.some((r) => r.path === "/api/machineactions"), "the listings did not go through the Worker");
    for (const id of planted.ids) assert((await sim("GET", `/actions/${id}`)).status === "Cancelled", `${id} is not Cancelled`);
  });

  viaWorker("single cancel asks first and confirming cancels", async (t) => {
    const page = await p.openWorkerPage(t);
    const question = await askToCancel(page, p.PENDING_ISOLATE, "through the Worker, asked first");
    assert(question === "Cancel Isolate (Full) on desktop-fin-042.contoso.local?", "the Worker's read did not name the action");
    await page.getByRole("button", { name: "Cancel the action" }).click();
    await p.waitForBadge(page, "Cancelled");
    assert((await apiRequests()).filter((r) => r.method === "POST").length === 1, "not exactly one cancel upstream");
  });
}
