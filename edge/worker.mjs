// An edge proxy for the Defender for Endpoint machine-actions API, as an ES-module Worker
// (Cloudflare Workers / workerd). It answers
//   POST /api/machineactions/{id}/cancel   {"Comment": "…"}
//   GET  /api/machineactions/{id}
//   GET  /api/machineactions?$filter=…&$top=N   (the filters MachineActionsClient.list writes)
//   GET  /api/machines?$filter=startswith(computerDnsName,'…')&$top=N
// with Microsoft's request and response shapes, so a page's "custom base URL" can point
// here unchanged. Callers present `Authorization: Bearer <token>`: an analyst's Entra ID
// access token for the Worker's own app (verified in auth.mjs; its app roles decide what
// they may do, and cancels name them in Defender's comment), or PROXY_API_KEY for
// automation. The Worker holds the app registration's client secret, gets Defender tokens
// through the package's ClientCredentials provider and calls Defender through
// MachineActionsClient.
//
// Configuration (env / bindings): PROXY_API_KEY, TENANT_ID, CLIENT_ID, CLIENT_SECRET
// (secrets); AUTH_TENANT_ID, AUTH_CLIENT_ID, AUTH_AUTHORITY … (sign-in, see auth.mjs);
// MDE_BASE_URL, MDE_CLOUD, ENTRA_AUTHORITY_URL, ALLOWED_ORIGINS, MDE_TIMEOUT_MS, MDE_QUOTA;
// QUOTA, the Durable Object namespace of DefenderQuota (edge/quota.mjs) that keeps one
// Defender quota for all isolates. See edge/README.md.

import * as pkg from "./mde_machine_actions.js";
import wasm from "./mde_machine_actions_bg.wasm";
import { EdgeQuota } from "./quota.mjs";
import { authenticate } from "./auth.mjs";

pkg.initSync({ module: wasm });

// The Durable Object class that holds the quota shared by every isolate (binding QUOTA).
export { DefenderQuota } from "./quota.mjs";

const DEFAULT_BASE_URL = "https://api.security.microsoft.com";
const DEFAULT_TIMEOUT_MS = 25_000;
/** Cancel bodies are `{"Comment": …}` with at most 1,000 characters; 16 KB is plenty. */
const MAX_BODY_BYTES = 16 * 1024;
const ODATA_JSON = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";
const EXPOSE_HEADERS = "mise-correlation-id, request-id, client-request-id, Retry-After, OData-Version";
/** Defender response headers passed back to the caller. */
const PASS_HEADERS = ["mise-correlation-id", "request-id", "client-request-id"];
const ROUTE = /^\/api(?:\/v1\.0)?\/machineactions\/([^/]+)(\/cancel)?\/?$/i;
/** The listings: the package re-validates each filter, so the proxy stays a narrow door. */
const LIST_ROUTE = /^\/api(?:\/v1\.0)?\/(machineactions|machines)\/?$/i;
const LIST_PARAMS = new Set(["$filter", "$top"]);

/**
 * Per-isolate state, built lazily from env on the first request: the token provider
 * (its token cache lives as long as the isolate) and the client.
 */
let isolate = null;

export default {
  async fetch(request, env) {
    const started = Date.now();
    const url = new URL(request.url);
    const log = {
      time: new Date(started).toISOString(),
      origin: request.headers.get("Origin"),
      method: request.method,
      path: url.pathname,
      auth: null,
      user: null,
      oid: null,
      action_id: null,
      comment: null,
      filter: null,
      listed: null,
      outcome: "ok",
      status: 0,
      correlation_id: null,
      duration_ms: 0,
    };
    let response;
    try {
      response = await handle(request, env, url, log);
    } catch (e) {
      // Not expected: every known failure is mapped in handle(). Never echo e (it could
      // quote configuration); the log gets its kind only.
      log.outcome = "internal_error";
      response = localError(500, "InternalServerError", "The proxy failed unexpectedly.", log);
    }
    response = withCors(response, request.headers.get("Origin"), env);
    log.status = response.status;
    log.duration_ms = Date.now() - started;
    console.log(redact(JSON.stringify(log), env));
    return response;
  },
};

async function handle(request, env, url, log) {
  if (request.method === "OPTIONS") {
    const origin = request.headers.get("Origin");
    if (origin && allowedOrigins(env).has(origin)) {
      log.outcome = "preflight";
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Methods": "GET, POST",
          "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
          "Access-Control-Max-Age": "600",
        },
      });
    }
    log.outcome = "forbidden_origin";
    return localError(403, "Forbidden", "This origin may not call the proxy.", log);
  }

  const listing = LIST_ROUTE.exec(url.pathname);
  const match = listing ? null : ROUTE.exec(url.pathname);
  if (!match && !listing) {
    log.outcome = "not_found";
    return localError(404, "ResourceNotFound", `Resource ${url.pathname} was not found`, log);
  }
  const isCancel = Boolean(match?.[2]);
  // The package's name for the endpoint: the role it needs, and where a listing goes.
  const endpoint = listing ? (listing[1].toLowerCase() === "machines" ? "machines" : "list") : isCancel ? "cancel" : "get";
  const allowed = isCancel ? "POST" : "GET";
  if (request.method !== allowed) {
    log.outcome = "method_not_allowed";
    const r = localError(
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${request.method}'.`,
      log,
    );
    r.headers.set("Allow", allowed);
    return r;
  }

  const caller = await authenticate(request, env, (presented) => keyMatches(presented, env.PROXY_API_KEY));
  if (caller.refused) {
    const { status, code, message } = caller.refused;
    log.outcome = status === 401 ? "unauthorized" : "misconfigured";
    const r = localError(status, code, message, log);
    if (status === 401) r.headers.set("WWW-Authenticate", 'Bearer realm="mde-machine-actions"');
    return r;
  }
  log.auth = caller.kind;
  if (caller.kind === "user") {
    log.user = caller.user.slice(0, 256);
    log.oid = caller.oid.slice(0, 64);
    const role = pkg.requiredRole(endpoint);
    if (!caller.roles.includes(role)) {
      log.outcome = "forbidden";
      return localError(403, "Forbidden", `Signed in as ${caller.user}, without the app role ${role} that this request needs; ask an administrator to assign it.`, log);
    }
  }

  if (listing) return relayList(endpoint, url, env, log);

  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    log.outcome = "invalid_input";
    return localError(400, "InvalidInput", "The machine action id is not a valid path segment.", log);
  }
  log.action_id = id.slice(0, 100);

  let comment = null;
  if (isCancel) {
    const body = await readBody(request);
    if (body.error) {
      log.outcome = body.outcome;
      return localError(body.status, body.code, body.error, log);
    }
    comment = body.json.Comment;
    if (caller.kind === "user") {
      // Defender's record names the person, not the proxy's app.
      try {
        comment = pkg.attributeComment(caller.user, comment);
      } catch (e) {
        if (!isError(e)) throw e;
        return upstreamError(e, log, env);
      }
    }
    log.comment = typeof comment === "string" ? comment.slice(0, 1000) : null;
  }

  // A 401 from Defender makes the package invalidate the provider's token and retry
  // once with a fresh one, so an expired or revoked token heals itself.
  return withClient(env, log, async (client) => {
    const result = isCancel ? await client.cancel(id, comment) : await client.get(id);
    if (result.outcome === "already_cancelled") return alreadyCancelled(result, log);
    return success(result, log);
  });
}

/**
 * `use(client)` with the isolate's client: the proxy's own misconfiguration is a 500, and
 * the package's errors become OData errors.
 */
async function withClient(env, log, use) {
  let setup;
  try {
    setup = state(env);
  } catch (e) {
    log.outcome = "misconfigured";
    return localError(500, "ProxyMisconfigured", redact(`The proxy is misconfigured: ${e?.message ?? e}`, env), log);
  }
  try {
    return await use(setup.client);
  } catch (e) {
    if (!isError(e)) throw e;
    return upstreamError(e, log, env);
  }
}

/**
 * A listing, read whole by the package when it recognises the filter as one it writes
 * (anything else is a 400 and nothing goes upstream); answered as one page, so no link
 * to the upstream host ever reaches the caller.
 */
async function relayList(endpoint, url, env, log) {
  const unknown = [...url.searchParams.keys()].filter((k) => !LIST_PARAMS.has(k));
  if (unknown.length || url.searchParams.getAll("$filter").length > 1 || url.searchParams.getAll("$top").length > 1) {
    log.outcome = "invalid_input";
    return localError(400, "InvalidInput", "Only one $filter and one $top are forwarded.", log);
  }
  const filter = url.searchParams.get("$filter");
  log.filter = filter?.slice(0, 500) ?? null;
  return withClient(env, log, async (client) => {
    const value = await client.relayList(endpoint, filter, url.searchParams.get("$top"));
    log.listed = value.length;
    const context = `${url.origin}/api/$metadata#${endpoint === "machines" ? "Machines" : "MachineActions"}`;
    const headers = new Headers({ "Content-Type": ODATA_JSON, "OData-Version": "4.0", "Cache-Control": "no-store" });
    return new Response(JSON.stringify({ "@odata.context": context, value }), { status: 200, headers });
  });
}

/** Reads a cancel body: at most MAX_BODY_BYTES, a JSON object with a string Comment. */
async function readBody(request) {
  const declared = Number(request.headers.get("Content-Length"));
  const tooLarge = { error: `The request body exceeds ${MAX_BODY_BYTES} bytes.`, status: 413, code: "RequestEntityTooLarge", outcome: "too_large" };
  if (declared > MAX_BODY_BYTES) return tooLarge;
  let bytes = 0;
  const chunks = [];
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(value);
    }
  }
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  let json;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(all));
  } catch {
    return { error: "The request body is not valid JSON.", status: 400, code: "InvalidRequestBody", outcome: "invalid_input" };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { error: "The request body must be a JSON object.", status: 400, code: "InvalidRequestBody", outcome: "invalid_input" };
  }
  if (typeof json.Comment !== "string") {
    return {
      error: "Required parameter 'Comment' is missing or not a string.",
      status: 400,
      code: "MissingRequiredParameter",
      outcome: "invalid_input",
    };
  }
  return { json };
}

/** The per-isolate provider and client, built from env on first use. */
function state(env) {
  if (isolate) return isolate;
  if (typeof pkg.ClientCredentials !== "function") {
    throw new Error("this build of the package has no ClientCredentials token provider; use pkg-edge/ (cargo xtask build)");
  }
  const missing = ["TENANT_ID", "CLIENT_ID", "CLIENT_SECRET"].filter((k) => !env[k]);
  if (missing.length) throw new Error(`missing ${missing.join(", ")}`);
  const provider = new pkg.ClientCredentials({
    tenantId: env.TENANT_ID,
    clientId: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    ...(env.MDE_CLOUD ? { cloud: env.MDE_CLOUD } : {}),
    ...(env.ENTRA_AUTHORITY_URL ? { authorityUrl: env.ENTRA_AUTHORITY_URL } : {}),
  });
  const timeout = Number(env.MDE_TIMEOUT_MS);
  const log = (entry) => console.log(redact(JSON.stringify({ time: new Date().toISOString(), ...entry }), env));
  const client = new pkg.MachineActionsClient({
    token: provider,
    baseUrl: env.MDE_BASE_URL || DEFAULT_BASE_URL,
    timeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
    // The caller (a page using this package, say) retries on its own; retrying here too
    // would multiply the calls. The 401 retry with a fresh token still happens.
    retries: 0,
    // Defender's quota (MDE_QUOTA, default 100/min and 1,500/h), shared by every isolate
    // through the QUOTA Durable Object.
    quota: new EdgeQuota(env, log),
  });
  isolate = { provider, client };
  return isolate;
}

function success(result, log) {
  const headers = new Headers({ "Content-Type": ODATA_JSON, "OData-Version": "4.0", "Cache-Control": "no-store" });
  const upstream = result.response_headers ?? {};
  for (const name of PASS_HEADERS) {
    if (typeof upstream[name] === "string") headers.set(name, upstream[name]);
  }
  log.correlation_id = upstream["mise-correlation-id"] ?? upstream["request-id"] ?? null;
  return new Response(JSON.stringify(result.json_body), { status: result.status_code, headers });
}

/**
 * This request did not cancel the action: it had been cancelled before. Answer as
 * Defender does to a second cancel (400), so a caller using this package reads the
 * action back and reaches the same verdict, `already_cancelled`, instead of taking a 200
 * for its own cancel.
 */
function alreadyCancelled(result, log) {
  log.outcome = "already_cancelled";
  const upstream = result.response_headers ?? {};
  const target = upstream["mise-correlation-id"] ?? upstream["request-id"] ?? crypto.randomUUID();
  log.correlation_id = target;
  const message = `Machine action ${result.json_body.id} was already cancelled before this request; nothing was changed.`;
  return new Response(JSON.stringify({ error: { code: "BadRequest", message, target } }), {
    status: 400,
    headers: { "Content-Type": ODATA_JSON, "OData-Version": "4.0", "Cache-Control": "no-store", "mise-correlation-id": target },
  });
}

const LOCAL_STATUS = {
  invalid_input: 400,
  // The package read the action back after Defender's 400: it finished before the cancel.
  not_cancellable: 400,
  network: 502,
  invalid_response: 502,
  timeout: 504,
  aborted: 504,
};
const LOCAL_CODE = { invalid_input: "InvalidInput", not_cancellable: "BadRequest" };
const DEFAULT_CODE = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "ResourceNotFound",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  504: "GatewayTimeout",
};

/**
 * A MachineActionError as an OData error. Defender's own answers (status_code set) keep
 * their status, code and correlation id; failures on the proxy's side map by kind. A
 * token-provider failure (Entra refused the app's credentials) is 502, not 401: the
 * caller's proxy key was fine, it is the proxy's own credentials that were refused.
 */
function upstreamError(e, log, env) {
  log.outcome = e.kind;
  let status;
  let code;
  let message = e.message;
  const entra = e.source === "entra";
  if (e.kind in LOCAL_STATUS) {
    status = LOCAL_STATUS[e.kind];
    code = LOCAL_CODE[e.kind] ?? DEFAULT_CODE[status];
  } else if (entra) {
    status = 502;
    code = "UpstreamAuthenticationFailed";
    // A failing token function is wrapped by the package; its own error is in `cause`.
    const inner = typeof e.cause?.message === "string" ? e.cause.message : e.message;
    message = `The proxy could not get a Defender token from Entra ID: ${inner}`;
  } else if (e.status_code == null) {
    // Refused by the client itself before sending: its quota (rate_limited) or similar.
    status = e.kind === "rate_limited" ? 429 : 502;
    code = DEFAULT_CODE[status];
  } else {
    const s = e.status_code;
    status = Number.isInteger(s) && s >= 400 && s <= 599 ? s : 502;
    code = e.error_code || DEFAULT_CODE[status] || (status >= 500 ? "InternalServerError" : "BadRequest");
  }
  // Defender's (or Entra's) correlation id when it sent one: the id to quote to Microsoft.
  const remote = e.status_code != null && !(e.kind in LOCAL_STATUS) && e.correlation_id;
  const target = remote || crypto.randomUUID();
  log.correlation_id = target;
  const headers = new Headers({ "Content-Type": ODATA_JSON, "OData-Version": "4.0", "Cache-Control": "no-store" });
  headers.set(remote ? (entra ? "client-request-id" : "mise-correlation-id") : "request-id", target);
  if (e.retry_after_seconds != null) headers.set("Retry-After", String(e.retry_after_seconds));
  const body = JSON.stringify({ error: { code, message: redact(message, env), target } });
  return new Response(body, { status, headers });
}

/** An OData error produced by the proxy itself, with a fresh correlation id. */
function localError(status, code, message, log) {
  const target = crypto.randomUUID();
  log.correlation_id = target;
  return new Response(JSON.stringify({ error: { code, message, target } }), {
    status,
    headers: { "Content-Type": ODATA_JSON, "OData-Version": "4.0", "Cache-Control": "no-store", "request-id": target },
  });
}

/** Adds CORS headers for allowed origins; every response varies by Origin. */
function withCors(response, origin, env) {
  const r = new Response(response.body, response);
  r.headers.append("Vary", "Origin");
  if (origin && allowedOrigins(env).has(origin)) {
    r.headers.set("Access-Control-Allow-Origin", origin);
    r.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
  }
  return r;
}

let originsCache = null;
function allowedOrigins(env) {
  const raw = env.ALLOWED_ORIGINS ?? "";
  if (originsCache?.raw !== raw) {
    originsCache = {
      raw,
      set: new Set(
        raw
          .split(",")
          .map((s) => s.trim().replace(/\/+$/, ""))
          .filter((s) => s && s !== "*" && s !== "null"),
      ),
    };
  }
  return originsCache.set;
}

/**
 * Constant-time check of a presented proxy key: both sides are hashed with SHA-256 and the
 * digests compared byte by byte without early exit, so neither the key's content nor its
 * length leaks through timing.
 */
async function keyMatches(presented, key) {
  if (!presented || !key) return false;
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(presented)),
    crypto.subtle.digest("SHA-256", enc.encode(key)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function isError(e) {
  return typeof pkg.isMachineActionError === "function"
    ? pkg.isMachineActionError(e)
    : e?.name === "MachineActionError";
}

/** Belt and braces: no configured secret ever leaves in a body or a log line. */
function redact(text, env) {
  let out = String(text);
  for (const k of ["PROXY_API_KEY", "CLIENT_SECRET"]) {
    const v = env[k];
    if (typeof v === "string" && v.length >= 4) out = out.split(v).join("[redacted]");
  }
  return out;
}
