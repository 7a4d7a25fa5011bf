// The conformance tests of listing, device lookup, waiting and bulk cancel: run by
// suite.mjs in every runtime, against the simulator's list endpoints and its demo data.

export function listTests({ check, equal, expectInvalid, EDGE_ONLY }) {
  const COMMENT = "Misfired playbook: cancelled in bulk";
  const none = (t) => t.control("POST", "/seed", { preset: "none" });
  const plant = async (t, count, extra = {}) => (await t.control("POST", "/pending", { count, ...extra })).ids;
  const client = (t, options = {}) => new t.pkg.MachineActionsClient({ token: "sim-token", baseUrl: t.sim, quota: false, ...options });
  const sent = async (t, method, pathEnd) =>
    (await t.apiRequests()).filter((r) => r.method === method && r.path.endsWith(pathEnd));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  return [
    ["list builds the $filter from validated values and follows every page", async (t) => {
      await none(t);
      const ids = await plant(t, 5);
      await t.control("PUT", "/paging", { page_size: 2 });
      const listed = await client(t).list({ status: ["Pending", "InProgress"], type: "RunAntiVirusScan" });
      equal(listed.length, 5, "all five, over three pages");
      equal(new Set(listed.map((a) => a.id)).size, 5, "each once");
      check(ids.every((id) => listed.some((a) => a.id === id)), "the planted ids");
      check(listed.every((a) => a.status === "Pending" && "externalID" in a && "lastUpdateDateTimeUtc" in a), "canonical shape");
      const gets = await sent(t, "GET", "/api/machineactions");
      equal(gets.length, 3, "pages read");
      equal(
        decodeURIComponent(gets[0].query),
        "$filter=(status eq 'Pending' or status eq 'InProgress') and type eq 'RunAntiVirusScan'&$top=1001",
        "the first page's query",
      );
      check(gets[1].query.includes("$skip=2") && gets[2].query.includes("$skip=4"), "the next links");
    }],

    ["list stops at top, and a quote in a value stays inside the string", async (t) => {
      await none(t);
      await plant(t, 4, { requestor: "o'brien@contoso.com" });
      await t.control("PUT", "/paging", { page_size: 2 });
      const listed = await client(t).list({ requestor: "o'brien@contoso.com", top: 3 });
      equal(listed.length, 3, "top");
      equal(listed.truncated, true, "more were left");
      const gets = await sent(t, "GET", "/api/machineactions");
      equal(gets.length, 2, "pages read");
      check(decodeURIComponent(gets[0].query).includes("requestor eq 'o''brien@contoso.com'"), gets[0].query);
      equal((await client(t).list({ requestor: "o'brien@contoso.com" })).truncated, false, "all of them");
    }],

    ["a bad or misspelt filter is invalid_input and nothing is sent", async (t) => {
      const c = client(t);
      for (const [what, filter] of [
        ["unknown status", { status: "Queued" }],
        ["injection in status", { status: "Pending' or 1 eq 1 or status eq 'x" }],
        ["bad machineId", { machineId: "desktop-fin-042" }],
        ["misspelt key", { stauts: "Pending" }],
        ["wrong type", { status: 7 }],
        ["bad date", { createdAfter: "yesterday" }],
        ["invalid Date", { createdAfter: new Date("nope") }],
        ["top too large", { top: 10_001 }],
        ["not an object", "status eq 'Pending'"],
      ]) {
        await expectInvalid(t, () => c.list(filter), what);
      }
      await expectInvalid(t, () => c.findMachines(""), "empty prefix");
      await expectInvalid(t, () => c.findMachines("desk", { tpo: 3 }), "misspelt option");
    }],

    ["a Date filter is sent as ISO 8601", async (t) => {
      await none(t);
      await client(t).list({ createdAfter: new Date(Date.UTC(2026, 10, 30, 8)) });
      const [get] = await sent(t, "GET", "/api/machineactions");
      check(decodeURIComponent(get.query).includes("creationDateTimeUtc ge 2026-11-30T08:00:00.000Z"), get.query);
    }],

    ["findMachines finds devices by the start of their name", async (t) => {
      await t.control("POST", "/seed", { preset: "demo" });
      const machines = await client(t).findMachines("desktop-fin", { top: 5 });
      check(machines.length > 0 && machines.length <= 5, `found ${machines.length}`);
      check(machines.every((m) => /^desktop-fin/i.test(m.computerDnsName) && /^[0-9a-f]{40}$/.test(m.id)), "matching devices");
      check(machines.every((m) => "osPlatform" in m && "healthStatus" in m), "kept whole");
      const [get] = await sent(t, "GET", "/api/machines");
      equal(decodeURIComponent(get.query), "$filter=startswith(computerDnsName,'desktop-fin')&$top=6", "query");
    }],

    ["cancelMany reports a verified outcome per action, in order, with progress", async (t) => {
      await none(t);
      const ids = await plant(t, 3);
      const finished = "7bde0df6-9c8a-4fc1-a47b-d0f26d9e8b08";
      await t.seed(finished, { status: "Succeeded", type: "Isolate", computerDnsName: "laptop-hr-113" });
      const missing = "00000000-0000-4000-8000-00000000beef";
      const progress = [];
      const { results, summary } = await client(t).cancelMany(
        { ids: [ids[0], finished, ids[1], missing, ids[2]] }, COMMENT,
        { onProgress: (p) => progress.push(p) },
      );
      equal(results.map((r) => r.outcome).join(), "cancelled,not_cancellable,cancelled,not_found,cancelled", "outcomes");
      equal(results[1].status, "Succeeded", "the finished action's status");
      equal(results[3].error.kind, "not_found", "the error");
      check(typeof results[0].computerDnsName === "string" && results[0].type === "RunAntiVirusScan", "device and type");
      equal(JSON.stringify(summary), JSON.stringify({
        cancelled: 3, already_cancelled: 0, not_cancellable: 1, not_found: 1, failed: 0, would_cancel: 0, skipped: 0,
      }), "summary");
      equal(progress.length, 5, "progress calls");
      equal(progress.map((p) => p.done).join(), "1,2,3,4,5", "done counts");
      check(progress.every((p) => p.total === 5 && typeof p.last.outcome === "string"), "total and last");
      equal((await sent(t, "POST", "/cancel")).length, 5, "one cancel each");
    }],

    ["a dry run by filter lists and sends no cancel", async (t) => {
      await none(t);
      await plant(t, 4, { requestor: "playbook-auto-scan@contoso.com" });
      const { results, summary, truncated } = await client(t).cancelMany(
        { filter: { requestor: "playbook-auto-scan@contoso.com", status: "Pending" } }, COMMENT, { dryRun: true },
      );
      equal(results.length, 4, "listed");
      equal(truncated, false, "all listed");
      equal(summary.would_cancel, 4, "would_cancel");
      equal((await sent(t, "POST", "/cancel")).length, 0, "cancels sent");
    }],

    ["stopping a run resolves with what was done and sends nothing more", async (t) => {
      await none(t);
      const ids = await plant(t, 6);
      const controller = new AbortController();
      // Two cancels a minute: the third waits in the quota until Stop.
      const c = client(t, { quota: [{ calls: 2, windowMs: 60_000 }] });
      const run = c.cancelMany({ ids }, COMMENT, {
        signal: controller.signal,
        onProgress: (p) => { if (p.done === 2) setTimeout(() => controller.abort(), 50); },
      });
      const started = Date.now();
      const { summary, results } = await run;
      check(Date.now() - started < 10_000, "stopped promptly");
      equal(summary.cancelled, 2, "cancelled");
      equal(summary.skipped, 4, "skipped");
      check(results.slice(2).every((r) => r.outcome === "skipped" && r.error === null), "the rest skipped");
      await sleep(100);
      equal((await sent(t, "POST", "/cancel")).length, 2, "cancels sent");
    }],

    ["a stop while a cancel is in flight sends no retry after its 503", async (t) => {
      await none(t);
      const ids = await plant(t, 1);
      await t.fault({ method: "post", path_contains: "/cancel", times: 1, status: 503, delay_ms: 400 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const { results } = await client(t).cancelMany({ ids }, COMMENT, { signal: controller.signal });
      check(Date.now() - started < 3_000, "resolved promptly");
      equal(results[0].outcome, "failed", "the one sent");
      equal(results[0].error.kind, "aborted", "stopped");
      await sleep(800);
      equal((await sent(t, "POST", "/cancel")).length, 1, "cancels sent");
    }],

    ["a run paced by the quota draws no 429", async (t) => {
      await none(t);
      const ids = await plant(t, 12);
      await t.control("PUT", "/quota", { limits: [{ calls: 5, window_ms: 1_000 }] });
      const c = client(t, { quota: [{ calls: 5, windowMs: 1_000 }] });
      const started = Date.now();
      const { summary } = await c.cancelMany({ ids }, COMMENT);
      const took = Date.now() - started;
      equal(summary.cancelled, 12, "cancelled");
      equal((await t.control("GET", "/quota")).rejected, 0, "429s");
      check(took >= 2_000, `12 cancels at 5 a second take at least 2 s (took ${took} ms)`);
      equal((await sent(t, "POST", "/cancel")).length, 12, "no retries");
    }],

    ["cancelMany checks its arguments before sending anything", async (t) => {
      const c = client(t);
      const id = "11111111-2222-4333-8444-555555555555";
      await expectInvalid(t, () => c.cancelMany({ ids: [id], filter: {} }, COMMENT), "ids and filter");
      await expectInvalid(t, () => c.cancelMany({}, COMMENT), "neither");
      await expectInvalid(t, () => c.cancelMany({ ids: [id, "nope"] }, COMMENT), "a bad id");
      await expectInvalid(t, () => c.cancelMany({ ids: [] }, COMMENT), "no ids");
      await expectInvalid(t, () => c.cancelMany({ ids: [id] }, "  "), "an empty comment");
      await expectInvalid(t, () => c.cancelMany({ ids: [id] }, COMMENT, { dryrun: true }), "a misspelt option");
      await expectInvalid(t, () => c.cancelMany({ filter: { stauts: "Pending" } }, COMMENT), "a misspelt filter");
      // A field that came out empty must not widen a bulk cancel to the whole tenant.
      await expectInvalid(t, () => c.cancelMany({ filter: {} }, COMMENT), "an empty filter");
      await expectInvalid(t, () => c.cancelMany({ filter: { machineId: [], status: "Pending" } }, COMMENT), "an empty list");
      await expectInvalid(t, () => c.cancelMany({ filter: { machineId: null } }, COMMENT), "only a null field");
    }],

    ["waitForFinal follows the action to its final state", async (t) => {
      await none(t);
      const [id] = await plant(t, 1);
      const seen = [];
      const waiting = client(t).waitForFinal(id, { intervalMs: 200, onUpdate: (a) => seen.push(a.status) });
      const update = async (fields) => {
        const action = await t.control("GET", `/actions/${id}`);
        await t.control("PUT", `/actions/${id}`, { ...action, ...fields });
      };
      await sleep(450);
      await update({ status: "InProgress", lastUpdateDateTimeUtc: "2026-11-30T12:00:01Z" });
      await sleep(450);
      await update({ status: "Succeeded", lastUpdateDateTimeUtc: "2026-11-30T12:00:02Z" });
      const final = await waiting;
      equal(final.status, "Succeeded", "final status");
      equal(seen.join(), "Pending,InProgress,Succeeded", "updates");
      check((await sent(t, "GET", id)).length >= 4, "read at the interval");
    }],

    ["waitForFinal gives up at its timeout, naming the status", async (t) => {
      await none(t);
      const [id] = await plant(t, 1);
      const error = await t.rejects(client(t).waitForFinal(id, { intervalMs: 200, timeoutMs: 700 }), "timeout");
      equal(error.source, "client", "source");
      check(error.message.includes("Pending"), error.message);
      await t.control("DELETE", "/requests");
      await expectInvalid(t, () => client(t).waitForFinal(id, { intervalMs: 10 }), "too short an interval");
    }],
  ];
}
