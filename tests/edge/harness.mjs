// What the edge drivers share: `ok`/`not ok` lines, assertions, children that die with the
// driver, and a hard timeout.

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function eq(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * A suite named `label`: `test(name, fn)` prints `ok - label: name` or `not ok …` with the
 * error's first lines; `finish()` prints `N passed, M failed`, kills `children` and exits.
 * After `hardTimeoutMs` it fails and exits whatever is running.
 */
export function suite(label, hardTimeoutMs) {
  const counts = { passed: 0, failed: 0 };
  const children = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  };
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(1));
  const fail = (name, error, extra = []) => {
    counts.failed++;
    console.log(`not ok - ${label}: ${name}`);
    for (const line of [...String(error?.stack ?? error).split("\n").slice(0, 8), ...extra]) console.log(`    ${line}`);
  };
  setTimeout(() => {
    fail(`the suite finished within ${hardTimeoutMs / 1000} s`, "hard timeout");
    console.log(`${counts.passed} passed, ${counts.failed} failed`);
    process.exit(1);
  }, hardTimeoutMs).unref();
  return {
    children,
    fail,
    async test(name, fn) {
      try {
        await fn();
        counts.passed++;
        console.log(`ok - ${label}: ${name}`);
      } catch (e) {
        fail(name, e);
      }
    },
    finish() {
      console.log(`${counts.passed} passed, ${counts.failed} failed`);
      killAll();
      process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
    },
  };
}
