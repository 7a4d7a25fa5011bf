// Type-checked (never run) by `deno check` in `cargo xtask test`: the package's
// .d.ts must type these uses precisely, and reject the wrong ones marked with
// ts-expect-error directives (an unused directive is itself an error, so each
// one proves the types refuse something).

import {
  cancelMachineAction,
  ClientCredentials,
  type CancelResult,
  isMachineActionError,
  type MachineAction,
  MachineActionsClient,
  type MachineActionError,
  type MachineActionErrorKind,
  type MachineActionResult,
  type QuotaGrant,
  QuotaLedger,
  type QuotaProvider,
  type CancelManyEntry,
  type CancelManyOutcome,
  type CancelManyProgress,
  type CancelManyResult,
  type Machine,
  tokenAudience,
} from "../../pkg-edge/mde_machine_actions.js";

export async function cancelAndReport(id: string, token: () => Promise<string>): Promise<string> {
  try {
    const result: CancelResult = await cancelMachineAction({
      machineActionId: id,
      comment: "Stuck isolation",
      token,
      baseUrl: "https://eu.api.security.microsoft.com",
      timeoutMs: 10_000,
      retries: 1,
      quota: [{ calls: 100, windowMs: 60_000 }],
      signal: AbortSignal.timeout(5_000),
    });
    const outcome: "cancelled" | "already_cancelled" = result.outcome;
    const action: MachineAction = result.json_body;
    const when: string | null = action.cancellationDateTimeUtc;
    const status: string = action.status;
    const correlation: string | undefined = result.response_headers["mise-correlation-id"];
    return `${outcome} ${status} ${when} ${correlation} ${result.notice ?? ""}`;
  } catch (e) {
    if (isMachineActionError(e)) {
      const error: MachineActionError = e;
      const kind: MachineActionErrorKind = error.kind;
      const retry: number | null = error.retry_after_seconds;
      const attempts: number = error.attempts;
      return `${kind} ${error.status_code} ${error.error_code} ${error.correlation_id} ${retry} ${attempts} ${error.action_status}`;
    }
    throw e;
  }
}

export async function withProvider(): Promise<MachineActionResult> {
  const tokens = new ClientCredentials({
    tenantId: "contoso.onmicrosoft.com",
    clientId: "11111111-0000-4000-8000-00000000c11e",
    clientSecret: "from a Worker secret",
    cloud: "gcc-high",
  });
  const requests: number = tokens.tokenRequests;
  const client = new MachineActionsClient({ token: tokens, quota: false });
  const state = await client.get("5382f7ea-7557-4ab7-9782-d50480024a4e", { timeoutMs: 2_000 });
  const commands = state.json_body.commands ?? [];
  for (const command of commands) {
    if (typeof command !== "string") {
      const done: boolean = command.commandStatus === "Completed";
      void done;
    }
  }
  void requests;
  return state;
}

/** A quota provider over a QuotaLedger kept in this process, as a Durable Object keeps one. */
export function sharedQuotaClient(ledger: QuotaLedger): MachineActionsClient {
  const quota: QuotaProvider = {
    acquire(endpoint, { leaseMs, ticket }): QuotaGrant {
      const answer = ledger.acquire(endpoint, Date.now(), leaseMs, ticket as number | undefined);
      return "permit" in answer ? { permit: answer.permit } : { waitMs: answer.waitMs, ticket: answer.ticket };
    },
    async release(endpoint, { permit, retryAfterMs }) {
      ledger.release(endpoint, permit as number, Date.now(), retryAfterMs);
    },
  };
  const saved: string = ledger.snapshot();
  void new QuotaLedger({ quota: [{ calls: 100, windowMs: 60_000 }], snapshot: saved });
  return new MachineActionsClient({ token: "t", quota });
}

export function refusedAtCompileTime(): void {
  // @ts-expect-error: machineActionId is required
  void cancelMachineAction({ comment: "c", token: "t" });
  // @ts-expect-error: comment must be a string
  void cancelMachineAction({ machineActionId: "x", comment: 42, token: "t" });
  // @ts-expect-error: a token is a string, a function or a provider
  new MachineActionsClient({ token: 42 });
  // @ts-expect-error: quota is false, a list of limits or a provider
  new MachineActionsClient({ token: "t", quota: true });
  // @ts-expect-error: a provider needs release() too
  new MachineActionsClient({ token: "t", quota: { acquire: () => ({ waitMs: 1 }) } });
  // @ts-expect-error: the ledger counts cancel, get, list and machines only
  new QuotaLedger().acquire("search", 0, 1000);
  // @ts-expect-error: there is no such cloud
  new ClientCredentials({ tenantId: "t", clientId: "c", clientSecret: "s", cloud: "eu" });
  // @ts-expect-error: the outcome is one of two values
  const outcome: CancelResult["outcome"] = "maybe";
  void outcome;
  // @ts-expect-error: kinds are a closed set
  const kind: MachineActionErrorKind = "teapot";
  void kind;
}

/** Find what is stuck, preview, cancel, and watch one to its end. */
export async function clearTheMisfire(client: MachineActionsClient): Promise<string> {
  const stuck = await client.list({
    status: ["Pending", "InProgress"],
    type: "RunAntiVirusScan",
    requestor: "playbook-auto-scan@contoso.com",
    createdAfter: new Date(Date.now() - 86_400_000),
    top: 500,
  });
  // @ts-expect-error: top is a number
  await client.list({ top: "500" });
  // @ts-expect-error: there is no such filter field
  await client.list({ computerDnsName: "desktop-fin-042" });
  const more: boolean = stuck.truncated;
  const devices: Machine[] = await client.findMachines("desktop-fin", { top: 10 });
  const name: string | null | undefined = devices[0]?.computerDnsName;
  const preview: CancelManyResult = await client.cancelMany({ ids: stuck.map((a) => a.id) }, "Misfired playbook", {
    dryRun: true,
  });
  const wouldCancel: number = preview.summary.would_cancel;
  const controller = new AbortController();
  const run = await client.cancelMany({ filter: { status: "Pending" } }, "Misfired playbook", {
    signal: controller.signal,
    onProgress: ({ done, total, last, etaMs }: CancelManyProgress) => {
      const outcome: CancelManyOutcome = last.outcome;
      void [done, total, outcome, etaMs ?? 0];
    },
  });
  const first: CancelManyEntry | undefined = run.results[0];
  // @ts-expect-error: cancelMany takes ids or a filter
  await client.cancelMany(["5382f7ea-7557-4ab7-9782-d50480024a4e"], "x");
  const final: MachineAction = await client.waitForFinal("5382f7ea-7557-4ab7-9782-d50480024a4e", {
    intervalMs: 5_000,
    onUpdate: (action) => void action.status,
  });
  const audience: string | null = tokenAudience("https://eu.api.security.microsoft.com");
  const relayed = await client.relayList("list", "status eq 'Pending'", null);
  return `${name} ${wouldCancel} ${first?.error?.kind} ${final.status} ${audience} ${relayed.length} ${more} ${run.truncated}`;
}
