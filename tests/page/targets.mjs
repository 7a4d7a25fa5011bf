// The page's security tests: no other site may frame the page, and a page on another
// origin can neither read the simulator nor drive its controls.
// Registered by page.mjs, which passes its helpers in `p`.

import { createServer } from "node:http";

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
  const { test, openPage, sim, assert } = p;

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
