// A Worker that runs the conformance suite inside workerd and answers with
// the results as JSON. It loads the package as a Worker would: the wasm
// module is bound by the config and passed to initSync.

import * as pkg from "./mde_machine_actions.js";
import wasm from "./mde_machine_actions_bg.wasm";
import { runSuite } from "./suite.mjs";

const { memory } = pkg.initSync({ module: wasm });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/run") return new Response("ready");
    const params = url.searchParams;
    const results = await runSuite({
      pkg,
      memory,
      sim: params.get("sim"),
      secret: request.headers.get("x-sim-secret"),
      refused: params.get("refused"),
      only: params.get("only") || undefined,
    });
    return Response.json(results);
  },
};
