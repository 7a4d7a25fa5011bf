// Type-checked by `deno check`: the page's build (pkg/) types the client but
// has no ClientCredentials, so a page cannot be written to hold a secret.

import { MachineActionsClient } from "../../pkg/mde_machine_actions.js";
// @ts-expect-error: pkg/ does not export ClientCredentials (pkg-edge/ does).
import { ClientCredentials } from "../../pkg/mde_machine_actions.js";

export const client = new MachineActionsClient({ token: () => Promise.resolve("t") });
export const none: unknown = ClientCredentials;
