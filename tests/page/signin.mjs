// Analysts' sign-in, end to end: the page (MSAL's popup, authorization code + PKCE, memory
// cache) against the simulator's Entra ID over TLS, the edge Worker in workerd verifying the
// token and its app role, and the simulator as Defender. Registered by page.mjs, which passes
// its helpers in `p`.

const SPA_CLIENT_ID = "22222222-0000-4000-8000-000000005fa0"; // the simulator's default --oidc-client-id

export function registerSigninTests(p) {
  const { viaWorker, assert, sim, apiRequests } = p;
  const scope = () => `api://${p.API_AUDIENCE}/MachineActions.Use`;

  /**
   * The page set to the Worker with no key, recording every credential it sends there and
   * every token Entra issues to it (to look for them later where they must not be).
   */
  async function openSigninPage(t) {
    const page = await p.openWorkerPage(t, "");
    t.sent = new Set();
    t.issued = new Set();
    t.context.on("request", (r) => {
      const auth = r.headers().authorization;
      if (r.url().startsWith(`${p.WORKER()}/`) && auth) t.sent.add(auth.replace(/^Bearer\s+/i, ""));
    });
    t.context.on("response", async (r) => {
      if (r.request().method() !== "POST" || !new URL(r.url()).pathname.endsWith("/oauth2/v2.0/token")) return;
      const body = await r.json().catch(() => ({}));
      for (const k of ["access_token", "refresh_token", "id_token"]) if (typeof body[k] === "string") t.issued.add(body[k]);
    });
    return page;
  }

  /** Fills the sign-in settings, presses Sign in and picks `user` on the simulator's sign-in page. */
  async function signInAs(t, page, user) {
    if (!(await page.locator("#conn").evaluate((d) => d.open))) await page.locator("#conn summary").click();
    await page.getByLabel("Authority").fill(p.TLS().authority);
    await page.getByLabel("This page's application (client) ID").fill(SPA_CLIENT_ID);
    await page.getByLabel("The proxy's API scope").fill(scope());
    const popupOpened = page.waitForEvent("popup");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const popup = await popupOpened;
    popup.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) t.problems.push(`CSP in the sign-in window: ${m.text()}`);
    });
    popup.on("pageerror", (e) => t.problems.push(`sign-in window error: ${e.message}`));
    await popup.locator(`#user-${user}`).click();
    try {
      await page.locator("#account-line").waitFor({ state: "visible", timeout: 15_000 });
    } catch {
      const where = popup.isClosed() ? "closed" : `at ${new URL(popup.url()).pathname}: ${(await popup.locator("body").innerText().catch(() => "")).slice(0, 200)}`;
      throw new Error(`the header never said who signed in; it shows: ${(await page.locator("#account").innerText()).replace(/\s+/g, " ")}; the sign-in window is ${where}; console: ${t.console.slice(-3).join(" | ")}`);
    }
    // The bridge page hands the answer over and closes its window.
    await popup.waitForEvent("close", { timeout: 5_000 }).catch(() => {});
    assert(popup.isClosed(), "the sign-in window did not close");
  }

  /** The Worker's JSON log lines for `method path`. */
  const logLines = (method, path) => p.workerLog().split("\n").filter((l) => l.startsWith("{")).map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      return null;
    }
  }).filter((l) => l && l.method === method && l.path === path);

  /** No token the page was issued or sent may be stored, shown, put in a URL or logged. */
  async function assertTokensKept(t, page) {
    const tokens = [...t.sent, ...t.issued];
    assert(t.issued.size >= 2, `the page was issued ${t.issued.size} tokens (expected an access token and more)`);
    // A JWT's signature alone would identify it: look for every part over 20 characters.
    const pieces = tokens.flatMap((tok) => [tok, ...tok.split(".").filter((part) => part.length > 20)]);
    for (const [where, value] of await p.secretPlaces(t, page)) {
      assert(!pieces.some((piece) => value.includes(piece)), `a token (or part of one) appears in ${where}`);
    }
  }

  viaWorker("sign in as the operator, cancel: the comment and the Worker's log name the operator, and no token is kept or logged", async (t) => {
    const page = await openSigninPage(t);
    assert(await page.getByRole("button", { name: "Sign in", exact: true }).isVisible(), "no Sign in button for the Worker");
    await signInAs(t, page, "operator");
    const header = (await page.locator("#account").innerText()).replace(/\s+/g, " ").trim();
    assert(header.startsWith("Signed in as operator@contoso.example · Sign out"), `the header reads: ${header}`);
    assert(!(await page.locator("#token").isVisible()), "the key field still shows while signed in");
    assert((await page.locator("#conn-line").innerText()).endsWith("signed in as operator@contoso.example"), `the folded line reads ${await page.locator("#conn-line").innerText()}`);

    await p.fillForm(page, p.PENDING_ISOLATE, "Stuck isolation, approved by the IR lead");
    await p.submitCancel(page);
    await p.waitForBadge(page, "Cancelled");
    const stored = (await sim("GET", `/actions/${p.PENDING_ISOLATE}`)).cancellationComment;
    assert(stored === "[operator@contoso.example] Stuck isolation, approved by the IR lead", `the simulator stored the comment ${JSON.stringify(stored)}`);
    const cancels = (await apiRequests()).filter((r) => r.method === "POST");
    assert(cancels.length === 1 && cancels[0].token === "issued", "the cancel did not reach the simulator once, with the Worker's own Entra token");

    // Every request to the Worker carried the user's access token (a JWT), never a key.
    assert(t.sent.size >= 1 && [...t.sent].every((tok) => tok.split(".").length === 3), "the page did not send a user access token to the Worker");
    const line = logLines("POST", `/api/machineactions/${p.PENDING_ISOLATE}/cancel`).at(-1);
    assert(line, "the Worker logged no line for the cancel");
    assert(line.auth === "user" && line.user === "operator@contoso.example", `the Worker logged auth ${line.auth}, user ${line.user}`);
    assert(line.oid === "0a11ce00-0000-4000-8000-00000000a001", `the Worker logged oid ${line.oid}`);
    assert(line.status === 200 && line.comment.startsWith("[operator@contoso.example] "), `the log line: status ${line.status}, comment ${line.comment}`);
    await assertTokensKept(t, page);
  });

  viaWorker("the reader can Find, but the cancel is refused with 403 naming MachineActions.Cancel, and nothing is cancelled", async (t) => {
    const page = await openSigninPage(t);
    await signInAs(t, page, "reader");
    assert((await page.locator("#account-name").innerText()) === "reader@contoso.example", "the header does not name the reader");
    await page.getByRole("button", { name: "Find", exact: true }).click();
    await page.locator("#find-body tr").first().waitFor({ timeout: 10_000 }).catch(async () => {
      throw new Error(`Find showed no rows: ${(await page.locator("#find-section, #find-status, #find-error").allInnerTexts()).join(" ")}`);
    });
    await p.fillForm(page, p.PENDING_ISOLATE, "Reader tries to cancel");
    await p.submitCancel(page);
    const text = await p.waitForErrorKind(page, "forbidden");
    assert(/403/.test(await page.locator("#result-heading").innerText()), "the heading does not give the 403");
    assert(text.includes("MachineActions.Cancel"), `the page does not name the missing role: ${text.slice(0, 400)}`);
    assert(text.includes("reader@contoso.example"), "the page does not say who is signed in");
    const upstream = await apiRequests();
    assert(upstream.some((r) => r.path.startsWith("/api/machineactions") && r.method === "GET"), "the reader's Find or read never reached the simulator");
    assert(!upstream.some((r) => r.method === "POST" || r.path.endsWith("/cancel")), "a cancel reached the simulator");
    assert((await sim("GET", `/actions/${p.PENDING_ISOLATE}`)).status === "Pending", "the action changed");
    const line = logLines("POST", `/api/machineactions/${p.PENDING_ISOLATE}/cancel`).at(-1);
    assert(line && line.status === 403 && line.user === "reader@contoso.example" && line.outcome === "forbidden",
      `the Worker's log line for the refused cancel: ${JSON.stringify(line)}`);
    await assertTokensKept(t, page);
  });

  viaWorker("sign out clears the header and the token: the next request needs a sign-in or a key, and another user can sign in", async (t) => {
    const page = await openSigninPage(t);
    await signInAs(t, page, "operator");
    await page.getByLabel("Machine action ID").fill(p.PENDING_ISOLATE);
    await page.getByRole("button", { name: "Check status" }).click();
    await p.waitForBadge(page, "Pending");
    const before = t.sent.size;
    await page.getByRole("button", { name: "Sign out" }).click();
    assert(!(await page.locator("#account-line").isVisible()), "the header still says who was signed in");
    assert(!(await page.locator("#account").innerText()).includes("operator@"), "the header still names the operator");
    assert(await page.getByRole("button", { name: "Sign in", exact: true }).isVisible(), "no Sign in button after signing out");
    assert((await page.locator("#conn-line").innerText()).endsWith("no token"), `the folded line reads ${await page.locator("#conn-line").innerText()}`);

    const sentToWorker = [];
    page.on("request", (r) => {
      if (r.url().startsWith(`${p.WORKER()}/`)) sentToWorker.push(r.url());
    });
    await page.getByRole("button", { name: "Check status" }).click();
    const error = page.locator("#token-error");
    await error.waitFor({ state: "visible" });
    assert(/sign in/i.test(await error.innerText()), `the key field's message does not mention signing in: ${await error.innerText()}`);
    assert(sentToWorker.length === 0 && t.sent.size === before, "a request went to the Worker after signing out");

    await signInAs(t, page, "reader");
    assert((await page.locator("#account-name").innerText()) === "reader@contoso.example", "the second sign-in did not name the reader");
    await page.getByRole("button", { name: "Check status" }).click();
    await p.waitForBadge(page, "Pending");
    const gets = logLines("GET", `/api/machineactions/${p.PENDING_ISOLATE}`).map((l) => l.user);
    assert(gets.at(-1) === "reader@contoso.example" && gets.includes("operator@contoso.example"), `the Worker logged these users for the reads: ${gets.join(", ")}`);
    await assertTokensKept(t, page);
  });
}
