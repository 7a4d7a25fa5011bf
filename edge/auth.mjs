// Who is calling the Worker: an analyst signed in with Entra ID (a user access token for the
// Worker's own app registration, verified with `jose` against the tenant's JWKS), or
// automation holding PROXY_API_KEY. The roles each request needs come from the package
// (requiredRole); this module only verifies and reports.
//
// Bindings: AUTH_TENANT_ID and AUTH_CLIENT_ID turn user sign-in on. AUTH_AUTHORITY (default
// https://login.microsoftonline.com; https://login.microsoftonline.us for GCC High/DoD) gives
// the issuer `{authority}/{tenant}/v2.0` and the keys `{authority}/{tenant}/discovery/v2.0/keys`;
// AUTH_ISSUER and AUTH_JWKS_URL replace either. The audience is AUTH_CLIENT_ID or
// `api://{AUTH_CLIENT_ID}` (AUTH_AUDIENCE replaces both). A token must carry the delegated
// scope AUTH_SCOPE (default MachineActions.Use) — so an app-only token, or an ID token, is no
// person — and, when AUTH_ALLOWED_CLIENT_IDS lists client ids, come from one of those apps
// (`azp`: the page's registration), so no other app a user consented to can act for them.
// PROXY_API_KEY allows automation unless PROXY_API_KEY_DISABLED is "true".
// AUTH_JWKS_COOLDOWN_MS (default 60000): the least time between two fetches of the keys, a
// new `kid` included.

import { createRemoteJWKSet, jwtVerify } from "jose";

const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
const CLOCK_TOLERANCE_S = 60;

/** The key set per configuration, kept for the isolate's life: jose caches and refetches it. */
let keys = null;

/**
 * The caller of `request`: `{ kind: "user", user, oid, roles }`, `{ kind: "key" }`, or
 * `{ refused: { status, code, message } }` (401 for anything that does not prove who it is,
 * 500 when nothing is configured). `keyMatches(presented)` checks a proxy key in constant time.
 */
export async function authenticate(request, env, keyMatches) {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get("Authorization") ?? "");
  const presented = match ? match[1] : "";
  const users = Boolean(env.AUTH_TENANT_ID && env.AUTH_CLIENT_ID);
  const keyMode = Boolean(env.PROXY_API_KEY) && env.PROXY_API_KEY_DISABLED !== "true";
  if (!users && !keyMode) {
    return refused(500, "ProxyMisconfigured", "The proxy has neither sign-in (AUTH_TENANT_ID, AUTH_CLIENT_ID) nor a PROXY_API_KEY configured.");
  }
  // The key first (in constant time), so a key of any shape keeps working; then a JWT,
  // three base64url parts.
  if (keyMode && (await keyMatches(presented))) return { kind: "key" };
  if (users && /^[\w-]+\.[\w-]*\.[\w-]*$/.test(presented)) {
    return verifyUser(presented, env);
  }
  return refused(
    401,
    "Unauthorized",
    users
      ? "Sign in: the Authorization header must carry an Entra ID access token for this proxy."
      : "Authorization header is missing or the proxy key is wrong.",
  );
}

async function verifyUser(token, env) {
  const tenant = env.AUTH_TENANT_ID;
  const authority = (env.AUTH_AUTHORITY || DEFAULT_AUTHORITY).replace(/\/+$/, "");
  const issuer = env.AUTH_ISSUER || `${authority}/${tenant}/v2.0`;
  const audience = env.AUTH_AUDIENCE ? [env.AUTH_AUDIENCE] : [env.AUTH_CLIENT_ID, `api://${env.AUTH_CLIENT_ID}`];
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keySet(env, authority, tenant), {
      issuer,
      audience,
      algorithms: ["RS256"],
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "tid", "oid"],
    }));
  } catch (e) {
    // jose names what failed (a claim, the signature, the key); never the token.
    return refused(401, "InvalidAuthenticationToken", `The access token was refused: ${reason(e)}.`);
  }
  if (payload.tid !== tenant) {
    return refused(401, "InvalidAuthenticationToken", "The access token was refused: it was issued for another tenant (tid).");
  }
  const scope = env.AUTH_SCOPE || "MachineActions.Use";
  const scopes = typeof payload.scp === "string" ? payload.scp.split(" ") : [];
  if (!scopes.includes(scope)) {
    return refused(401, "InvalidAuthenticationToken", `The access token was refused: it does not carry the delegated scope ${scope} (an app's own token, or one asked for another scope).`);
  }
  const clients = (env.AUTH_ALLOWED_CLIENT_IDS ?? "").split(",").map((c) => c.trim().toLowerCase()).filter(Boolean);
  if (clients.length && !clients.includes(String(payload.azp ?? "").toLowerCase())) {
    return refused(401, "InvalidAuthenticationToken", "The access token was refused: it was asked for by an app this proxy does not accept (azp).");
  }
  const user = [payload.preferred_username, payload.upn, payload.unique_name].find((v) => typeof v === "string" && v.trim());
  return {
    kind: "user",
    user: user ?? String(payload.oid),
    oid: String(payload.oid),
    roles: Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === "string") : [],
  };
}

function keySet(env, authority, tenant) {
  const url = env.AUTH_JWKS_URL || `${authority}/${tenant}/discovery/v2.0/keys`;
  const cooldown = Number(env.AUTH_JWKS_COOLDOWN_MS);
  const cooldownDuration = Number.isFinite(cooldown) && cooldown >= 0 ? cooldown : 60_000;
  if (keys?.url !== url || keys.cooldownDuration !== cooldownDuration) {
    keys = { url, cooldownDuration, set: createRemoteJWKSet(new URL(url), { cooldownDuration, timeoutDuration: 5_000 }) };
  }
  return keys.set;
}

function reason(e) {
  switch (e?.code) {
    case "ERR_JWT_EXPIRED":
      return "it has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `its ${e.claim} claim is not what this proxy accepts`;
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "its signature does not verify";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "it is not signed with RS256";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "it is signed by a key the tenant does not publish";
    case "ERR_JWKS_TIMEOUT":
      return "the tenant's signing keys could not be fetched in time";
    default:
      return typeof e?.code === "string" && e.code.startsWith("ERR_JW")
        ? "it is not a valid token"
        : "it could not be verified (the tenant's signing keys could not be fetched)";
  }
}

function refused(status, code, message) {
  return { refused: { status, code, message } };
}
