// What the test drivers share: arguments, ports, the simulator, Chromium's flags.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

/** `--name value` pairs into an object. */
export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i].startsWith("--")) args[argv[i].slice(2)] = argv[i + 1], i += 1;
  }
  return args;
}

/** A loopback port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `mde-sim` on an ephemeral port and resolves with `{ child, url, secret, tls }` once it
 * listens (`secret`: what `/_sim` wants in `x-sim-secret`, printed on the next line; `tls`:
 * with `--tls-port` in `args`, `{ url, spki, authority }` from its TLS lines, else null). Its
 * stdin is a pipe, so it exits with this process (`--exit-on-stdin-eof`).
 */
export function startSim(simBin, args = [], { cwd } = {}) {
  const child = spawn(simBin, ["--port", "0", "--exit-on-stdin-eof", "--quiet", ...args], {
    cwd,
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the simulator did not print its start-up lines in 10 s")), 10_000);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the simulator exited with ${code} before listening`)));
    // With --tls-port, the TLS lines follow the secret: wait for them too.
    const tls = args.includes("--tls-port") ? {} : null;
    let url;
    let secret;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = (re) => re.exec(line)?.[1];
      url ??= m(/^mde-sim listening on (http:\/\/\S+)$/);
      secret ??= url && m(/^mde-sim control secret: (\S+)$/);
      if (tls) {
        tls.url ??= m(/^mde-sim tls listening on (https:\/\/\S+)$/);
        tls.spki ??= m(/^mde-sim tls spki sha256: (\S+)$/);
        tls.authority ??= m(/^mde-sim oidc authority: (https:\/\/\S+)$/);
      }
      if (secret && (!tls || tls.authority)) clearTimeout(timer), resolve({ child, url, secret, tls });
    });
  });
}

/**
 * A `/_sim` request to the simulator `{ url, secret }`, with the secret and a JSON body;
 * resolves with the parsed answer, and throws on anything but a 2xx.
 */
export async function simControl({ url, secret }, method, path, body) {
  const r = await fetch(`${url}/_sim${path}`, {
    method,
    headers: { "x-sim-secret": secret, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} /_sim${path} → ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** How `/_sim/requests` shows `Authorization: Bearer <token>`: a fingerprint, never the token. */
export function loggedBearer(token) {
  return `Bearer sha256:${createHash("sha256").update(token).digest("hex")}`;
}

/** The `--page-port` a browser driver's page server listens on (0: any), so its origin can be allowed. */
export function pagePort(args) {
  return Number(args["page-port"] ?? 0);
}

/** Polls `url` until it answers; `alive()` false means the server died, so stop early. */
export async function waitForHttp(url, { ms = 20_000, alive = () => true } = {}) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive()) throw new Error(`the server behind ${url} exited`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** Headless, no sandbox (root), and no background connections: the machine's network is closed. */
export const CHROMIUM_FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };

/**
 * Answers a GET for a file under the repository's pkg/ or tests/ (nothing else is
 * served), so a browser page can load the package and the suite from its own origin.
 */
export async function serveRepoFile(root, req, res) {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!/^\/(pkg|tests)\//.test(path)) return res.writeHead(404).end();
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}

// Actions in the simulator's default seed (sim/README.md), as the suites use them.
export const PENDING_ISOLATE = "0f5a1c2e-7b3d-4e8a-9c61-2d4b8e7f1a01";
export const PENDING_AV_SCAN = "1b7e4d90-3c2a-4f6b-8e15-7a9c0d3e2b02";
export const PENDING_LIVE_RESPONSE = "2c8f5ea1-4d3b-4a7c-9f26-8bad1e4f3c03";
export const PENDING_COLLECT = "3d9a6fb2-5e4c-4b8d-a037-9cbe2f5a4d04";
export const IN_PROGRESS_ISOLATE = "4eab7ac3-6f5d-4c9e-b148-adcf3a6b5e05";
export const SUCCEEDED = "7bde0df6-9c8a-4fc1-a47b-d0f26d9e8b08";
export const SEEDED_CANCELLED = "a0e13029-cf1d-42f4-97ae-03259ac1be11";
