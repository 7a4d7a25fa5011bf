/** Where a machine action stands. Values this version does not know are kept as sent. */
export type MachineActionStatus =
  | "Pending" | "InProgress" | "Succeeded" | "Failed" | "TimeOut" | "Cancelled" | (string & {});

/** What a machine action does. Values this version does not know are kept as sent. */
export type MachineActionType =
  | "RunAntiVirusScan" | "Offboard" | "LiveResponse" | "CollectInvestigationPackage" | "Isolate"
  | "Unisolate" | "StopAndQuarantineFile" | "RestrictCodeExecution" | "UnrestrictCodeExecution"
  | (string & {});

/** A live-response command record in `commands`, kept whole. */
export interface LiveResponseCommand {
  index?: number;
  startTime?: string | null;
  endTime?: string | null;
  commandStatus?: "Created" | "Completed" | "Failed" | (string & {});
  errors?: unknown[];
  command?: { type?: string; params?: { key: string; value: string }[] | null };
  [field: string]: unknown;
}

/** The file a file action is about. */
export interface RelatedFileInfo {
  fileIdentifier?: string | null;
  fileIdentifierType?: "Sha1" | "Sha256" | "Md5" | (string & {}) | null;
  [field: string]: unknown;
}

/**
 * A machine action: the body as the engine's `JSON.parse` read it, every field kept as sent, in one
 * canonical shape whatever variant Defender sent: every field below is present (null when Defender
 * left it out), `externalId` is moved to `externalID` and `lastUpdateTimeUtc` to
 * `lastUpdateDateTimeUtc` (when the canonical one is absent), `Canceled` reads `Cancelled` and
 * `Live Response` `LiveResponse`. The types below are the documented ones; a field Defender sends
 * with another type is kept as it came rather than failing the call, so check before relying on it.
 */
export interface MachineAction {
  id: string;
  type: MachineActionType | null;
  scope: string | null;
  requestor: string | null;
  externalID: string | null;
  requestSource: string | null;
  commands: (string | LiveResponseCommand)[] | null;
  cancellationRequestor: string | null;
  requestorComment: string | null;
  cancellationComment: string | null;
  status: MachineActionStatus;
  machineId: string | null;
  computerDnsName: string | null;
  /** ISO 8601 UTC as sent (0–7 fractional digits). */
  cancellationDateTimeUtc: string | null;
  creationDateTimeUtc: string | null;
  lastUpdateDateTimeUtc: string | null;
  title: string | null;
  /** An object, or the string some payloads carry in its place (`""`). */
  relatedFileInfo: RelatedFileInfo | string | null;
  errorHResult: number | null;
  [field: string]: unknown;
}

/** A successful answer, in the shape of Defender's API description. */
export interface MachineActionResult {
  status_code: number;
  reason: string;
  /** Response headers, names in lower case. In a browser, only those the server exposes. */
  response_headers: Record<string, string>;
  json_body: MachineAction;
}

/**
 * A cancel's answer, with what it really did:
 * "cancelled" — this call cancelled the action;
 * "already_cancelled" — it had been cancelled before (a success, not an error).
 * When the cancel's own answer was ambiguous (a 400, a timeout, a dropped connection) the action
 * was read back with GET, and the other fields are that GET's answer.
 */
export interface CancelResult extends MachineActionResult {
  outcome: "cancelled" | "already_cancelled";
  /** A sentence for the analyst when the outcome needs one (e.g. a live-response command completed despite the cancel). */
  notice: string | null;
}

/** At most `calls` requests per endpoint in any `windowMs`. */
export interface QuotaLimit {
  calls: number;
  windowMs: number;
}

/** The endpoints a quota counts separately. */
export type QuotaEndpoint = "cancel" | "get" | "list" | "machines";

/**
 * A provider's answer: send now with this permit, or ask again in `waitMs` (no request can go sooner),
 * passing `ticket` back to keep the caller's place in line.
 */
export type QuotaGrant = { permit: unknown } | { waitMs: number; ticket?: unknown };

/**
 * A quota kept outside the client, shared by many. Before each request the client calls
 * `acquire(endpoint, { leaseMs, ticket })` and, told to wait, sleeps `waitMs` and asks again with the
 * answer's `ticket` (undefined the first time), or fails `rate_limited`, nothing sent, when the wait passes
 * its deadline. After the answer (or a failure) it
 * calls `release(endpoint, { permit, retryAfterMs })` with the permit it was given and the server's
 * `Retry-After` in ms (null when none), which should pause every client. A permit never released must
 * count as in flight for `leaseMs`, then as answered. A throw or rejection of `acquire`, or an answer with
 * neither field, fails the call `rate_limited` with the error as `cause`; `release` failures are ignored.
 */
export interface QuotaProvider {
  acquire(endpoint: QuotaEndpoint, options: { leaseMs: number; ticket: unknown }): QuotaGrant | Promise<QuotaGrant>;
  release(endpoint: QuotaEndpoint, report: { permit: unknown; retryAfterMs: number | null }): void | Promise<void>;
}

/** Anything with getToken(), such as ClientCredentials; invalidate() is called after a 401. */
export interface TokenProvider {
  getToken(): string | Promise<string>;
  invalidate?(): void;
}

/** A bearer token, a function called before every request that returns one, or a provider. */
export type TokenSource = string | (() => string | Promise<string>) | TokenProvider;

export interface ClientOptions {
  /** Required. With or without a leading "Bearer ". Never appears in an error. */
  token: TokenSource;
  /** Default "https://api.security.microsoft.com". https, or http to loopback only. */
  baseUrl?: string;
  /** Deadline for a whole call, retries and waits included, 1–600000 ms. Default 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 500, 502, 503, 504 and network failures, 0–10. Default 2. */
  retries?: number;
  /**
   * The quota per endpoint: calls wait for room instead of drawing a 429. Limits give the client its own
   * budget, shared by all its calls; default Defender's: [{ calls: 100, windowMs: 60000 },
   * { calls: 1500, windowMs: 3600000 }]; false turns it off. A QuotaProvider shares one budget among many
   * clients (an edge's isolates: see QuotaLedger).
   */
  quota?: false | QuotaLimit[] | QuotaProvider;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
}

export interface CancelMachineActionOptions extends ClientOptions, CallOptions {
  /** Required: the action's GUID. */
  machineActionId: string;
  /** Required: non-empty after trimming, at most 1000 characters. Kept in Defender's audit trail. */
  comment: string;
}

/**
 * Which machine actions to list. Each of `status`, `machineId` and `type` takes one value or several
 * (any of them matches); the fields all have to match. Values are checked before anything is sent.
 */
export interface MachineActionFilter {
  status?: MachineActionStatus | MachineActionStatus[];
  /** Device ids: 40 hex digits. */
  machineId?: string | string[];
  type?: MachineActionType | MachineActionType[];
  /** Who asked for the action (a UPN or an app). */
  requestor?: string;
  /** Created at or after: ISO 8601 UTC, or a Date. */
  createdAfter?: string | Date;
  /** Created before: ISO 8601 UTC, or a Date. */
  createdBefore?: string | Date;
  /** How many results at most, 1–10000. Default 1000. */
  top?: number;
}

/** A device, as Defender reports it: every field kept as sent. */
export interface Machine {
  id: string;
  computerDnsName?: string | null;
  firstSeen?: string | null;
  lastSeen?: string | null;
  osPlatform?: string | null;
  osVersion?: string | null;
  healthStatus?: "Active" | "Inactive" | "ImpairedCommunication" | "NoSensorData" | (string & {}) | null;
  onboardingStatus?: string | null;
  rbacGroupName?: string | null;
  riskScore?: string | null;
  exposureLevel?: string | null;
  lastIpAddress?: string | null;
  machineTags?: string[] | null;
  [field: string]: unknown;
}

/** A listing's results; `truncated` is true when `top` stopped it with more left. */
export type Listed<T> = T[] & { truncated: boolean };

export interface FindMachinesOptions extends CallOptions {
  /** How many devices at most, 1–10000. Default 50. */
  top?: number;
}

export interface WaitForFinalOptions {
  /** How often to read the action, 200–600000 ms. Default 5000. */
  intervalMs?: number;
  /** How long to wait in all, 1–86400000 ms. Default 600000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each read that differs from the one before (status or last update). */
  onUpdate?: (action: MachineAction) => void;
}

export type CancelManyOutcome =
  | "cancelled" | "already_cancelled" | "not_cancellable" | "not_found" | "failed" | "would_cancel" | "skipped";

/** One action's line in a bulk run. */
export interface CancelManyEntry {
  id: string;
  machineId: string | null;
  computerDnsName: string | null;
  type: MachineActionType | null;
  outcome: CancelManyOutcome;
  /** The action's status as last read, when known. */
  status: MachineActionStatus | null;
  /** What went wrong, for "failed" (and "not_found", "not_cancellable"). */
  error: { kind: MachineActionErrorKind; message: string; status_code: number | null; correlation_id: string | null } | null;
}

export interface CancelManyProgress {
  done: number;
  total: number;
  /** The entry just settled. */
  last: CancelManyEntry;
  /** The least time left at the quota's pace, in ms; null when a shared quota provider keeps the quota. */
  etaMs: number | null;
}

export interface CancelManyOptions {
  /** Send no cancel: say what each action would meet. Default false. */
  dryRun?: boolean;
  onProgress?: (progress: CancelManyProgress) => void;
  /** Stops the run: nothing more is sent, waits end, answers on their way still arrive. */
  signal?: AbortSignal;
  /** Each request's deadline (and the listing's, for a filter). Default the client's timeoutMs. */
  timeoutMs?: number;
}

export interface CancelManyResult {
  /** One entry per action, in the order given or listed. */
  results: CancelManyEntry[];
  /** How many actions came to each outcome. */
  summary: Record<CancelManyOutcome, number>;
  /** True when a run over a filter listed `top` actions with more left: those were not reached. */
  truncated: boolean;
}

export type MachineActionErrorKind =
  | "invalid_input" | "unauthorized" | "forbidden" | "not_found" | "bad_request"
  | "rate_limited" | "server" | "network" | "timeout" | "aborted" | "invalid_response" | "not_cancellable";

/**
 * Every rejection and throw of this package: a real class, so `instanceof` works. Only the package
 * makes them; `isMachineActionError` recognises the ones it made and nothing else.
 */
export class MachineActionError extends Error {
  private constructor();
  name: "MachineActionError";
  kind: MachineActionErrorKind;
  /** Where it came from: Defender's API (or a proxy in front of it), Entra ID's token endpoint, or this side (an argument, the token function, the caller's signal, the client's quota). */
  source: "defender" | "entra" | "client";
  /** Whether trying the same call again later may succeed: rate_limited, server, network and timeout. */
  retryable: boolean;
  status_code: number | null;
  /** OData `error.code`, e.g. "ResourceNotFound". */
  error_code: string | null;
  /** Quote it to Microsoft support: OData `error.target`, else the mise-correlation-id or request-id header. */
  correlation_id: string | null;
  retry_after_seconds: number | null;
  /** How many requests the call sent, retries and read-back included, and for a token Entra ID would not give, the requests made for it; 0 when nothing was sent. */
  attempts: number;
  /** For "not_cancellable": the status the action finished with (Succeeded, Failed, TimeOut). */
  action_status: string | null;
  /** The JS error behind a network failure or a failed token function. */
  cause?: unknown;
}

/** Cancels a pending machine action: `POST {baseUrl}/api/machineactions/{id}/cancel`. */
export function cancelMachineAction(options: CancelMachineActionOptions): Promise<CancelResult>;

/** `null` for a machine action id the package would send, else the message it would refuse it with. */
export function checkMachineActionId(value: unknown): string | null;

/**
 * The audience a Defender API token for `baseUrl` must be issued for, e.g.
 * "https://api.securitycenter.microsoft.com" for every commercial host, regional ones included; null for a
 * host that is not Defender's own (a proxy, the simulator) or a URL the package would refuse.
 */
export function tokenAudience(baseUrl: string): string | null;

/** True for errors this package made; false for anything else, an Error named "MachineActionError" included. */
export function isMachineActionError(value: unknown): value is MachineActionError;

/** A client that keeps its token source, base URL and timeout across calls. */
export class MachineActionsClient {
  /** Throws a MachineActionError of kind "invalid_input" when an option breaks a rule. */
  constructor(options: ClientOptions);
  cancel(machineActionId: string, comment: string, options?: CallOptions): Promise<CancelResult>;
  get(machineActionId: string, options?: CallOptions): Promise<MachineActionResult>;
  /**
   * `GET {baseUrl}/api/machineactions` with a `$filter` built from `filter`, following `@odata.nextLink`
   * (same host only) until `top` results. `timeoutMs` bounds the whole listing. A bad filter is
   * "invalid_input", nothing sent.
   */
  list(filter?: MachineActionFilter, options?: CallOptions): Promise<Listed<MachineAction>>;
  /** `GET {baseUrl}/api/machines?$filter=startswith(computerDnsName,'…')`: devices whose name starts with `namePrefix`. */
  findMachines(namePrefix: string, options?: FindMachinesOptions): Promise<Listed<Machine>>;
  /**
   * Reads the action every `intervalMs` (inside the client's quota) until it is Succeeded, Failed,
   * TimeOut or Cancelled, and resolves with it; `onUpdate` gets each read that differs from the last.
   * Rejects "timeout" (source "client") when `timeoutMs` passes first; a read that fails in a way that
   * may pass (network, 5xx, 429) is tried again at the next interval.
   */
  waitForFinal(machineActionId: string, options?: WaitForFinalOptions): Promise<MachineAction>;
  /**
   * Cancels many actions, each with the verified cancel of `cancel()`, paced by the client's quota so that
   * no request draws a 429 and the run takes no longer than the quota requires. `{ filter }` lists first;
   * listed actions that are already final are reported without a request. A dry run sends no cancel:
   * it lists (or reads the given ids) and says what a cancel would meet. The signal stops the run at once:
   * the promise resolves with what was done, the actions not sent as "skipped". Rejects only for bad
   * arguments (or a listing that failed), before any cancel is sent.
   */
  cancelMany(
    which: { ids: string[] } | { filter: MachineActionFilter },
    comment: string,
    options?: CancelManyOptions,
  ): Promise<CancelManyResult>;
  /** Releases the client's wasm memory now instead of at garbage collection. */
  free(): void;
}

export interface QuotaLedgerOptions {
  /** The limits, as the client's `quota` option takes them. Default Defender's; false: pauses only. */
  quota?: false | QuotaLimit[];
  /** A `snapshot()` to go on from; a damaged one throws "invalid_input". */
  snapshot?: string;
}

/**
 * The client's quota policy as a ledger that many clients share through one holder, such as a
 * Durable Object: `acquire` gives a permit or the earliest time one can go ("not before"; callers already
 * told to wait come first, each at its own slot), `release`
 * counts the answer at `nowMs` and applies a Retry-After. Permits not released within their lease count
 * as answered when it ends. Times are ms since the epoch, on the holder's clock.
 */
export class QuotaLedger {
  constructor(options?: QuotaLedgerOptions);
  /** Pass back the `ticket` of the caller's last wait answer to keep its place in line. */
  acquire(
    endpoint: QuotaEndpoint, nowMs: number, leaseMs: number, ticket?: number | null,
  ): { permit: number } | { notBefore: number; waitMs: number; ticket: number };
  release(endpoint: QuotaEndpoint, permit: number, nowMs: number, retryAfterMs?: number | null): void;
  /** Nothing goes before `untilMs` (a Retry-After heard elsewhere). */
  pause(endpoint: QuotaEndpoint, untilMs: number): void;
  /** The state to persist: pass it back as `snapshot`. */
  snapshot(): string;
  /** Permits out, all endpoints together. */
  readonly inFlight: number;
  free(): void;
}
