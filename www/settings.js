// The page's client settings, in one small module of their own. The quota is the package's
// default (Defender's: 100 calls a minute and 1,500 an hour per endpoint), so it is not
// named here; the tests serve their own copy of this file to scale it down, so a bulk run
// of 150 finishes (or can be stopped) in seconds.

/** Options for every MachineActionsClient the page makes, besides the token and base URL. */
export const CLIENT_OPTIONS = { timeoutMs: 30_000 };

/** How often a cancel that still reads Pending or InProgress is read again. */
export const WATCH_INTERVAL_MS = 5_000;
