// Stands in for a quota object that cannot be reached: every call fails, as calls to an
// overloaded or unavailable Durable Object do.
import { DurableObject } from "cloudflare:workers";

export class DefenderQuota extends DurableObject {
  acquire() {
    throw new Error("Durable Object is overloaded. Too many requests queued.");
  }
  release() {
    throw new Error("Durable Object is overloaded. Too many requests queued.");
  }
}

export default {
  fetch() {
    return new Response(null, { status: 404 });
  },
};
