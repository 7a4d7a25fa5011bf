// The cancel written by hand in plain JS — fetch and JSON.parse, the same
// request and result shape — that the benchmark measures the package against.

export const TOKEN = "sim-token";
export const COMMENT = "Stuck isolation, cancelled from the SOC portal";

export async function plainJsCancel(sim, id) {
  const response = await fetch(`${sim}/api/machineactions/${id}/cancel`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ Comment: COMMENT }),
    redirect: "manual",
  });
  const json_body = JSON.parse(await response.text());
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return { status_code: response.status, reason: response.statusText, response_headers: Object.fromEntries(response.headers), json_body };
}
