// The bulk part of `cargo xtask bench`: cancelMany over 300 Pending actions, with the
// simulator's quota scaled down to 100 calls per 6 s and 1,500 per 90 s and the client
// told the same limits. Reports the wall time next to the quota's lower bound (the
// earliest the last cancel can go), the 429s the simulator answered, the cancels it
// received, and the client's own time per action: the same run with no quota at all.

import { performance } from "node:perf_hooks";
import { COMMENT, TOKEN } from "./plain.mjs";

const COUNT = Number(process.env.BENCH_BULK ?? 300);
const LIMITS = [{ calls: 100, windowMs: 6_000 }, { calls: 1_500, windowMs: 90_000 }];

/** The earliest the n-th request can go from an empty window, in ms: the quota's lower bound. */
function lowerBound(n) {
  return Math.max(...LIMITS.map((l) => (Math.ceil(n / l.calls) - 1) * l.windowMs));
}

export async function benchBulk({ pkg, sim, control }) {
  const plant = async (run) => {
    const ids = [];
    for (let i = 0; i < COUNT; i += 1) {
      const id = `00000000-0000-4${String(run).padStart(3, "0")}-8000-${String(i).padStart(12, "0")}`;
      await control("PUT", `/actions/${id}`, {
        type: "RunAntiVirusScan", scope: "Full", requestor: "playbook@contoso.com", status: "Pending",
        machineId: String(i).padStart(40, "0"), computerDnsName: `desktop-${String(i).padStart(3, "0")}`,
        creationDateTimeUtc: "2026-11-30T08:00:00Z", requestorComment: "bench",
      });
      ids.push(id);
    }
    return ids;
  };
  const run = async (ids, quota) => {
    const client = new pkg.MachineActionsClient({ token: TOKEN, baseUrl: sim, quota });
    const started = performance.now();
    const { results, summary } = await client.cancelMany({ ids }, COMMENT);
    const ms = performance.now() - started;
    if (summary.cancelled !== COUNT) throw new Error(`bulk: ${JSON.stringify(summary)}`);
    return { ms, results };
  };
  const cancelsReceived = async () =>
    (await control("GET", "/requests")).filter((r) => r.method === "POST" && r.path.endsWith("/cancel")).length;

  // Unthrottled: what the client itself costs per action (four at a time).
  await control("POST", "/reset");
  await control("PUT", "/quota", { limits: [] });
  const free = await run(await plant(1), false);

  // Paced by the scaled quota.
  await control("POST", "/reset");
  await control("PUT", "/quota", { limits: LIMITS.map((l) => ({ calls: l.calls, window_ms: l.windowMs })) });
  const ids = await plant(2);
  await control("DELETE", "/requests");
  const paced = await run(ids, LIMITS);
  const rejected = (await control("GET", "/quota")).rejected;
  const received = await cancelsReceived();
  const bound = lowerBound(COUNT);
  console.log(`\nbulk cancel of ${COUNT} Pending actions (cancelMany by ids, simulator quota 100 per 6 s and 1,500 per 90 s)`);
  console.log(`  wall time ${(paced.ms / 1000).toFixed(2)} s; the quota's lower bound ${(bound / 1000).toFixed(2)} s: ${(paced.ms / bound).toFixed(3)}×`);
  console.log(`  429s answered: ${rejected}; cancels received: ${received} (one per action)`);
  console.log(`  without a quota: ${(free.ms / 1000).toFixed(2)} s, ${(free.ms / COUNT).toFixed(2)} ms per action`);
}
