// The page's security tests: a page on another origin can neither read the simulator nor
// drive its controls.
// Registered by page.mjs, which passes its helpers in `p`.

const ATTACKER = "http://attacker.test";

export function registerTargetTests(p) {
  const { test, openPage, sim, assert } = p;

  test("a page on another origin can neither read the simulator nor drive its controls", async (t) => {
    const page = await openPage(t);
    await sim("POST", "/faults", { status: 503, times: 0, path_contains: "attacker-marker" });
    await t.context.route(`${ATTACKER}/**`, (route) => route.fulfill({ status: 200, headers: { "content-type": "text/html" }, body: "<!doctype html><title>elsewhere</title>" }));
    await page.goto(`${ATTACKER}/`);
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
