// The page's security tests: each target keeps its own token (a Defender token never goes
// to the simulator or a proxy, a proxy key never to Microsoft), no other site may frame the
// page, and a page on another origin can neither read the simulator nor drive its controls.
// Registered by page.mjs, which passes its helpers in `p`.

import { createServer } from "node:http";
import { loggedBearer } from "../support.mjs";

const DEFENDER = "https://api.security.microsoft.com";

/**
 * Another site, on its own loopback origin (a public one would also meet Chromium's
 * private-network checks, which would hide what the simulator itself does): serves `html`
 * at `/` until the test ends.
 */
async function otherSite(t, html) {
  const server = createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}/`;
}

export function registerTargetTests(p) {
  const { test, assert, openPage, sim, apiRequests, waitForBadge, waitForErrorKind } = p;
  const token = (page) => page.locator("#token").inputValue();
  const target = async (page, name) => {
    await p.openConnection(page);
    await page.getByRole("radio", { name }).check();
  };
  /** Presses Check status and waits for the answer from `base` (an earlier card may still show). */
  const checkStatusAt = async (page, base) => {
    await page.getByLabel("Machine action ID").fill(p.SEEDED_CANCELLED);
    const answered = page.waitForResponse((r) => r.url().startsWith(`${base}/api/`) && r.request().method() === "GET");
    await page.getByRole("button", { name: "Check status" }).click();
    await answered;
  };

  test("each target keeps its own token: Defender's never reaches the simulator or a proxy, a proxy key never Microsoft", async (t) => {
    const DEFENDER_TOKEN = "eyJ0eXAi.defender-token-for-target-test.c2ln";
    const PROXY_ONE = "proxy-key-one-for-target-test";
    const PROXY_TWO = "proxy-key-two-for-target-test";
    const page = await openPage(t);
    // Defender, played by a route: it records what it was sent and answers as Defender would.
    const action = await sim("GET", `/actions/${p.SEEDED_CANCELLED}`);
    const toMicrosoft = [];
    const cors = { "access-control-allow-origin": p.SIM(), "access-control-allow-headers": "authorization, accept", "access-control-allow-methods": "GET, POST" };
    await t.context.route(`${DEFENDER}/**`, (route) => {
      const request = route.request();
      if (request.method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
      toMicrosoft.push(request.headers().authorization ?? null);
      return route.fulfill({ status: 200, headers: { ...cors, "content-type": "application/json" }, body: JSON.stringify(action) });
    });

    assert(await token(page) === "sim-token", "the simulator's token is not prefilled");
    await target(page, /Microsoft Defender cloud/);
    assert(await token(page) === "", "the simulator's token followed to the Defender cloud");
    await page.getByLabel("Bearer token", { exact: true }).fill(DEFENDER_TOKEN);
    await checkStatusAt(page, DEFENDER);
    await waitForBadge(page, "Cancelled");

    // A proxy at one origin, then another (both the simulator, under two names).
    const proxies = [[p.SIM(), PROXY_ONE], [p.SIM().replace("127.0.0.1", "localhost"), PROXY_TWO]];
    await target(page, /Custom base URL/);
    for (const [url, key] of proxies) {
      await page.locator("#custom-url").fill(url);
      await page.locator("#custom-url").blur();
      assert(await token(page) === "", `a token was left in the field for the proxy at ${url}`);
      await page.getByLabel("Proxy key or bearer token", { exact: true }).fill(key);
      await checkStatusAt(page, url);
      await waitForErrorKind(page, "unauthorized");
    }
    // Back to the first proxy: its own key again.
    await page.locator("#custom-url").fill(proxies[0][0]);
    await page.locator("#custom-url").blur();
    assert(await token(page) === PROXY_ONE, "the first proxy's key was not kept for it");

    // Back to Defender: its own token again, and the proxy keys stay behind.
    await target(page, /Microsoft Defender cloud/);
    assert(await token(page) === DEFENDER_TOKEN, "the Defender token was not kept for the Defender cloud");
    await checkStatusAt(page, DEFENDER);
    await target(page, /Simulator/);
    assert(await token(page) === "sim-token", "the simulator's token was not kept for it");
    await checkStatusAt(page, p.SIM());

    const wanted = `Bearer ${DEFENDER_TOKEN}`;
    assert(toMicrosoft.length === 2 && toMicrosoft.every((a) => a === wanted),
      `Microsoft got ${toMicrosoft.length} requests, not all with the Defender token`);
    const toSimulator = (await apiRequests()).map((r) => r.headers.authorization);
    const expected = [loggedBearer(PROXY_ONE), loggedBearer(PROXY_TWO), loggedBearer("sim-token")];
    assert(JSON.stringify(toSimulator) === JSON.stringify(expected),
      `the simulator (as two proxies, then itself) got other credentials than expected, in ${toSimulator.length} requests`);
    assert(!toSimulator.includes(loggedBearer(DEFENDER_TOKEN)), "the Defender token reached the simulator");
  });

  test("the connection folds to one line; the CORS notice is for the Defender cloud only; the token hint names the package's audience", async (t) => {
    const page = await openPage(t);
    const line = () => page.locator("#conn-line").innerText();
    const cors = () => page.locator("#cors-notice").isVisible();
    assert(!(await page.locator("#conn").evaluate((d) => d.open)), "the panel is open for the simulator");
    assert(await line() === `Simulator · ${new URL(p.SIM()).host}`, `the folded line reads ${await line()}`);
    await target(page, /Microsoft Defender cloud/);
    assert(await cors(), "no CORS notice for the Defender cloud");
    // The audience comes from the package (the page's own module), never from a copy in the page.
    const audience = (base) => page.evaluate(async (b) => (await import("/pkg/mde_machine_actions.js")).tokenAudience(b), base);
    for (const host of ["https://api.security.microsoft.com", "https://api-gov.securitycenter.microsoft.us"]) {
      await page.getByLabel("Cloud", { exact: true }).selectOption(host);
      const expected = await audience(host);
      assert(typeof expected === "string" && expected.startsWith("https://"), `the package names no audience for ${host}`);
      const hint = await page.locator("#token-hint").innerText();
      assert(hint.includes(`(audience ${expected})`), `the token hint for ${host} does not name ${expected}: ${hint}`);
      assert((await page.locator("#cloud-hint").innerText()).includes(expected), `the cloud hint for ${host} does not name ${expected}`);
      assert(await line() === `Defender cloud · ${new URL(host).host} · no token`, `the folded line reads ${await line()}`);
    }
    assert(await audience("https://api.security.microsoft.com") !== await audience("https://api-gov.securitycenter.microsoft.us"), "one audience for both clouds (the test is not meaningful)");
    await target(page, /Custom base URL/);
    assert(!(await cors()), "the CORS notice shows for a custom base URL");
    await target(page, /Simulator/);
    assert(!(await cors()), "the CORS notice shows for the simulator");
    assert(!(await page.locator("#token-hint").innerText()).includes("audience"), "the simulator's hint names an audience");
  });

  test("the page forbids framing: frame-ancestors 'none' and X-Frame-Options DENY, and another site's frame stays empty", async (t) => {
    const page = await openPage(t);
    const response = await page.goto(`${p.SIM()}/`);
    const headers = response.headers();
    assert(headers["content-security-policy"] === "frame-ancestors 'none'", `Content-Security-Policy: ${headers["content-security-policy"]}`);
    assert(headers["x-frame-options"] === "DENY", `X-Frame-Options: ${headers["x-frame-options"]}`);
    await page.goto(await otherSite(t, `<!doctype html><iframe src="${p.SIM()}/"></iframe>`)); // "load" waits for the frame too
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    assert(frames.length === 1, `expected the attacker's one frame, found ${frames.length}`);
    const loaded = await frames[0].locator("#action-form").count().catch(() => 0);
    assert(loaded === 0, "the page loaded inside another site's frame");
    // Chromium reports the refused frame on the console, as it should.
    t.problems = t.problems.filter((m) => !/frame-ancestors|X-Frame-Options/.test(m));
  });

  test("a page on another origin can neither read the simulator nor drive its controls", async (t) => {
    const page = await openPage(t);
    await sim("POST", "/faults", { status: 503, times: 0, path_contains: "attacker-marker" });
    await page.goto(await otherSite(t, "<!doctype html><title>elsewhere</title>"));
    const outcome = await page.evaluate(async (simUrl) => {
      const attempt = async (url, init) => {
        try {
          const r = await fetch(url, init);
          return `read ${r.status}: ${(await r.text()).slice(0, 80)}`;
        } catch (e) {
          return `refused (${e.name})`;
        }
      };
      return {
        log: await attempt(`${simUrl}/_sim/requests`),
        api: await attempt(`${simUrl}/api/machineactions/0f5a1c2e-7b3d-4e8a-9c61-2d4b8e7f1a01`, { headers: { authorization: "Bearer sim-token" } }),
        // A "simple" request needs no preflight: it is sent, and must be refused by the simulator.
        reset: await attempt(`${simUrl}/_sim/reset`, { method: "POST", mode: "no-cors", body: "{}" }),
        faults: await attempt(`${simUrl}/_sim/faults`, { method: "DELETE", mode: "no-cors" }),
      };
    }, p.SIM());
    assert(outcome.log.startsWith("refused"), `the request log was readable: ${outcome.log}`);
    assert(outcome.api.startsWith("refused"), `the API answered another origin: ${outcome.api}`);
    assert((await sim("GET", "/faults")).length === 1, "another origin's request changed the simulator (the fault is gone)");
  });
}
