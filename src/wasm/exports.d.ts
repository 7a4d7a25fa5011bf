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
   * The client-side quota per endpoint, shared by all calls of a client: calls wait for room instead of
   * drawing a 429. Default Defender's: [{ calls: 100, windowMs: 60000 }, { calls: 1500, windowMs: 3600000 }].
   * false turns it off.
   */
  quota?: false | QuotaLimit[];
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

export type MachineActionErrorKind =
  | "invalid_input" | "unauthorized" | "forbidden" | "not_found" | "bad_request"
  | "rate_limited" | "server" | "network" | "timeout" | "aborted" | "invalid_response" | "not_cancellable";

/** Every rejection and throw of this package. */
export interface MachineActionError extends Error {
  name: "MachineActionError";
  kind: MachineActionErrorKind;
  status_code: number | null;
  /** OData `error.code`, e.g. "ResourceNotFound". */
  error_code: string | null;
  /** Quote it to Microsoft support: OData `error.target`, else the mise-correlation-id or request-id header. */
  correlation_id: string | null;
  retry_after_seconds: number | null;
  /** How many requests the call made (retries included). */
  attempts: number;
  /** For "not_cancellable": the status the action finished with (Succeeded, Failed, TimeOut). */
  action_status: string | null;
  /** The JS error behind a network failure or a failed token function. */
  cause?: unknown;
}

/** Cancels a pending machine action: `POST {baseUrl}/api/machineactions/{id}/cancel`. */
export function cancelMachineAction(options: CancelMachineActionOptions): Promise<CancelResult>;

/** True for errors this package throws. */
export function isMachineActionError(value: unknown): value is MachineActionError;

/** A client that keeps its token source, base URL and timeout across calls. */
export class MachineActionsClient {
  /** Throws a MachineActionError of kind "invalid_input" when an option breaks a rule. */
  constructor(options: ClientOptions);
  cancel(machineActionId: string, comment: string, options?: CallOptions): Promise<CancelResult>;
  get(machineActionId: string, options?: CallOptions): Promise<MachineActionResult>;
  /** Releases the client's wasm memory now instead of at garbage collection. */
  free(): void;
}
