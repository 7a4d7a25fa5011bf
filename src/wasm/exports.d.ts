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
 * A machine action, in one canonical shape whatever variant Defender sent:
 * every field below is present (null when Defender left it out), `externalId`
 * is read into `externalID`, `lastUpdateTimeUtc` into `lastUpdateDateTimeUtc`,
 * `Canceled` into `Cancelled`; fields not modelled here follow as sent.
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

/** A bearer token, or a function called before every request that returns one. */
export type TokenSource = string | (() => string | Promise<string>);

export interface ClientOptions {
  /** Required. With or without a leading "Bearer ". Never appears in an error. */
  token: TokenSource;
  /** Default "https://api.security.microsoft.com". https, or http to loopback only. */
  baseUrl?: string;
  /** Deadline for a whole call, 1–600000 ms. Default 30000. */
  timeoutMs?: number;
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
  | "rate_limited" | "server" | "network" | "timeout" | "aborted" | "invalid_response";

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
  /** The JS error behind a network failure or a failed token function. */
  cause?: unknown;
}

/** Cancels a pending machine action: `POST {baseUrl}/api/machineactions/{id}/cancel`. */
export function cancelMachineAction(options: CancelMachineActionOptions): Promise<MachineActionResult>;

/** True for errors this package throws. */
export function isMachineActionError(value: unknown): value is MachineActionError;

/** A client that keeps its token source, base URL and timeout across calls. */
export class MachineActionsClient {
  /** Throws a MachineActionError of kind "invalid_input" when an option breaks a rule. */
  constructor(options: ClientOptions);
  cancel(machineActionId: string, comment: string, options?: CallOptions): Promise<MachineActionResult>;
  get(machineActionId: string, options?: CallOptions): Promise<MachineActionResult>;
  /** Releases the client's wasm memory now instead of at garbage collection. */
  free(): void;
}
