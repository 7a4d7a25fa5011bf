// One Defender quota for every isolate of the Worker. Cloudflare runs many isolates at once,
// and Defender's limits (100 calls a minute, 1,500 an hour per endpoint) belong to the tenant
// and app, so the budget lives in one Durable Object per tenant + app: DefenderQuota. It holds
// the package's QuotaLedger (the policy is the package's, in Rust) and persists its snapshot;
// an isolate asks it for a permit before each Defender call — one round trip, answered "go" or
// "wait N ms" (with a ticket that keeps the caller's place in line) — and reports each answer and Retry-After back.
//
// When the object cannot be reached, an isolate falls back to a budget of its own at a
// quarter of the limits and logs so; it tries the object again after OBJECT_RETRY_MS.

import { DurableObject } from "cloudflare:workers";
import * as pkg from "./mde_machine_actions.js";

/** Defender's documented limits, per endpoint. */
export const DEFAULT_QUOTA = "100/60000,1500/3600000";
/** The share of each limit an isolate allows itself when the object is unreachable. */
export const FALLBACK_SHARE = 4;
const OBJECT_TIMEOUT_MS = 2_000;
const OBJECT_RETRY_MS = 10_000;
const STORAGE_KEY = "ledger";

/** `MDE_QUOTA` ("CALLS/WINDOW_MS,…", or "off") as the package's quota option. */
export function quotaLimits(env) {
  const text = String(env.MDE_QUOTA || DEFAULT_QUOTA).trim();
  if (text === "off") return false;
  return text.split(",").map((part) => {
    const [calls, windowMs] = part.split("/").map((n) => Number(n.trim()));
    return { calls, windowMs };
  });
}

/** The conservative budget an isolate keeps alone. */
function fallbackLimits(env) {
  const limits = quotaLimits(env);
  return limits && limits.map(({ calls, windowMs }) => ({ calls: Math.max(1, Math.floor(calls / FALLBACK_SHARE)), windowMs }));
}

/** The Durable Object: one per tenant + app, holding that app's quota. */
export class DefenderQuota extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const quota = quotaLimits(env);
      const snapshot = await ctx.storage.get(STORAGE_KEY);
      try {
        this.ledger = new pkg.QuotaLedger({ quota, snapshot });
      } catch {
        // A snapshot from another version: start afresh rather than refuse every call.
        this.ledger = new pkg.QuotaLedger({ quota });
      }
    });
  }

  /** `{ permit }` or `{ waitMs, ticket }` (the earliest a request can go, from now). */
  acquire(endpoint, leaseMs, ticket) {
    const answer = this.ledger.acquire(endpoint, Date.now(), leaseMs, ticket ?? null);
    if (answer.permit === undefined) return { waitMs: answer.waitMs, ticket: answer.ticket };
    this.save();
    return { permit: answer.permit };
  }

  /** The permit's request was answered now; a Retry-After pauses every isolate. */
  release(endpoint, permit, retryAfterMs) {
    this.ledger.release(endpoint, permit, Date.now(), retryAfterMs ?? null);
    this.save();
  }

  save() {
    // Not awaited: the object's output gate holds the answer until the write is durable.
    this.ctx.storage.put(STORAGE_KEY, this.ledger.snapshot());
  }
}

/**
 * The isolate's quota provider for MachineActionsClient (`quota` option): the shared object
 * when bound and reachable, else a budget of its own at a quarter of the limits. Without a
 * `QUOTA` binding it keeps the whole limits alone (one budget per isolate, as before).
 */
export class EdgeQuota {
  constructor(env, log) {
    this.env = env;
    this.log = log;
    this.shared = Boolean(env.QUOTA);
    this.local = new pkg.QuotaLedger({ quota: this.shared ? fallbackLimits(env) : quotaLimits(env) });
    this.id = null;
    this.downUntil = 0;
  }

  /** Permits and tickets say which ledger they are from: `{ object: n }` or `{ local: n }`. */
  async acquire(endpoint, { leaseMs, ticket }) {
    const object = this.object();
    if (object) {
      try {
        const answer = await within(object.acquire(endpoint, leaseMs, ticket?.object));
        if (answer.permit !== undefined) return { permit: { object: answer.permit } };
        return { waitMs: answer.waitMs, ticket: { object: answer.ticket } };
      } catch (e) {
        this.unreachable(e);
      }
    }
    const answer = this.local.acquire(endpoint, Date.now(), leaseMs, ticket?.local ?? null);
    if (answer.permit !== undefined) return { permit: { local: answer.permit } };
    return { waitMs: answer.waitMs, ticket: { local: answer.ticket } };
  }

  async release(endpoint, { permit, retryAfterMs }) {
    if (permit.local !== undefined) {
      this.local.release(endpoint, permit.local, Date.now(), retryAfterMs);
      return;
    }
    // The isolate's own budget hears of every pause too, in case it must take over.
    if (retryAfterMs != null) this.local.pause(endpoint, Date.now() + retryAfterMs);
    try {
      await within(this.object()?.release(endpoint, permit.object, retryAfterMs));
    } catch (e) {
      // The object counts the permit as answered when its lease ends.
      this.unreachable(e);
    }
  }

  /**
   * A stub of the object, or null while it is bypassed after a failure. A stub can only be
   * used by the request that made it (workerd ties its I/O to that request), so each call
   * makes its own; the id is computed once.
   */
  object() {
    if (!this.shared || Date.now() < this.downUntil) return null;
    if (this.downUntil) {
      this.downUntil = 0;
      this.log({ event: "quota_object_retry", detail: "asking the shared quota object again" });
    }
    const ns = this.env.QUOTA;
    this.id ??= ns.idFromName(`${this.env.TENANT_ID}/${this.env.CLIENT_ID}`);
    return ns.get(this.id);
  }

  unreachable(error) {
    // Calls under way when the object went away fail together: one log line for them all.
    const wasUp = Date.now() >= this.downUntil;
    this.downUntil = Date.now() + OBJECT_RETRY_MS;
    if (!wasUp) return;
    const limits = fallbackLimits(this.env);
    this.log({
      event: "quota_fallback",
      detail: `the shared quota object is unreachable (${error?.name ?? "Error"}: ${error?.message ?? error}); this isolate uses its own budget of ${
        limits ? limits.map((l) => `${l.calls}/${l.windowMs} ms`).join(", ") : "no limit"
      } for ${OBJECT_RETRY_MS / 1000} s`,
    });
  }
}

/** The object's answer, or a rejection after OBJECT_TIMEOUT_MS. */
function within(promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${OBJECT_TIMEOUT_MS} ms`)), OBJECT_TIMEOUT_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
