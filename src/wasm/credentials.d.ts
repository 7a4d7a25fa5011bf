// Only in the build with `ClientCredentials` (pkg-edge/): a browser must never hold a client secret.

export interface ClientCredentialsOptions {
  /** The directory (tenant) ID: a GUID or a verified domain such as contoso.onmicrosoft.com. */
  tenantId: string;
  /** The app registration's Application (client) ID. */
  clientId: string;
  /** The client secret's value. Never appears in an error. Keep it server-side (a Worker secret). */
  clientSecret: string;
  /** Picks the sign-in authority and the API audience. Default "commercial" (regional hosts included). */
  cloud?: "commercial" | "gcc" | "gcc-high" | "dod";
  /** Replaces the cloud's authority, e.g. https://login.microsoftonline.com (https, or http to loopback). */
  authorityUrl?: string;
  /** Replaces the cloud's scope, e.g. https://api.securitycenter.microsoft.com/.default. */
  scope?: string;
  /** Refresh a token this long before it expires, 0–3600 s. Default 300. */
  refreshBeforeExpirySeconds?: number;
  /** Deadline for one token request, 1–600000 ms. Default 30000. */
  timeoutMs?: number;
}

/**
 * Entra ID client-credentials tokens for the Defender API: cached per instance (create it at module
 * scope in a Worker: one per isolate), refreshed before expiry, one request shared by concurrent callers.
 * Entra's refusals reject with a MachineActionError of kind "unauthorized" that says what to fix.
 */
export class ClientCredentials implements TokenProvider {
  constructor(options: ClientCredentialsOptions);
  getToken(): Promise<string>;
  /** Forgets the cached token; the client calls it after a 401 and retries once. */
  invalidate(): void;
  /** How many token requests were sent to Entra ID. */
  readonly tokenRequests: number;
  free(): void;
}


export interface MachineActionsClient {
  /**
   * For a proxy: the listing a client asked it for — `endpoint` "list" (`GET /api/machineactions`) or
   * "machines" (`GET /api/machines`) with the request's `$filter` and `$top` — read whole (every page) when
   * the filter is one `list()` or `findMachines()` writes; any other filter is "invalid_input", nothing sent.
   */
  relayList(
    endpoint: "list" | "machines", filter: string | null, top: string | null, options?: CallOptions,
  ): Promise<(MachineAction | Machine)[]>;
}

/** The app role a request to `endpoint` needs: "MachineActions.Read" for get, list and machines, "MachineActions.Cancel" for cancel. */
export function requiredRole(endpoint: "cancel" | "get" | "list" | "machines"): string;

/**
 * `[person] comment`, cut at the end (with "…") to stay within the 1,000-character comment limit: what a proxy
 * forwards so that Defender's audit trail names the analyst. Throws "invalid_input" for a bad comment or name.
 */
export function attributeComment(person: string, comment: string): string;
