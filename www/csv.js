// A bulk run's results as files to download: CSV and JSON, made in memory (a Blob and an
// object URL that is revoked right after), never stored.

const COLUMNS = ["id", "machineId", "computerDnsName", "type", "outcome", "status",
  "error_kind", "error_message", "error_status_code", "correlation_id"];

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, a comma, a semicolon, a tab or a
 * line break — a spreadsheet set to split on `;` or tabs must not find a second cell, maybe
 * a formula, inside it. A cell that a spreadsheet would take for a formula (starting with
 * = + - @, a tab or a carriage return) gets a leading ' so it stays text.
 */
export function csvCell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The results of cancelMany, one row per action, with a header row. */
export function resultsCsv(results) {
  const rows = results.map((r) => [
    r.id, r.machineId, r.computerDnsName, r.type, r.outcome, r.status,
    r.error?.kind, r.error?.message, r.error?.status_code, r.error?.correlation_id,
  ]);
  return [COLUMNS, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Saves `text` as a file called `name`. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
