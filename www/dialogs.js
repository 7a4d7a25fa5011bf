// The page's native <dialog>s: opening one modally and waiting for how it closed, and the
// question a single cancel asks before it is sent.

import { $, h } from "./dom.js";
import { fact, statusBadge, textOr, timeValue } from "./render.js";

/**
 * Opens `dialog` modally and resolves with its returnValue once it closes: whatever a
 * button passed to close(), or "" for Escape. Focus goes back where it was (the browser's
 * own handling of modal dialogs).
 */
export function openDialog(dialog) {
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
  });
}

/** "Isolate (Full)": the action's type and scope as Defender sent them. */
export function actionLabel(action) {
  const type = typeof action.type === "string" && action.type !== "" ? action.type : "Machine action";
  return typeof action.scope === "string" && action.scope !== "" ? `${type} (${action.scope})` : type;
}

/** The device's name as Defender sent it, else its id. */
export function deviceName(action) {
  if (typeof action.computerDnsName === "string" && action.computerDnsName !== "") return action.computerDnsName;
  if (typeof action.machineId === "string" && action.machineId !== "") return action.machineId;
  return "an unnamed device";
}

const confirm = {
  dialog: $("confirm-dialog"),
  title: $("confirm-title"),
  body: $("confirm-body"),
};
$("confirm-no").addEventListener("click", () => confirm.dialog.close("keep"));
$("confirm-yes").addEventListener("click", () => confirm.dialog.close("cancel"));

/**
 * Asks "Cancel Isolate (Full) on desktop-fin-042.contoso.local?" with what the action is,
 * as just read. Resolves true only for the confirming button.
 */
export async function confirmCancel(action) {
  confirm.title.textContent = `Cancel ${actionLabel(action)} on ${deviceName(action)}?`;
  confirm.body.replaceChildren(h("dl", { class: "facts compact" },
    fact("Status", statusBadge(action.status)),
    fact("Requested by", textOr(action.requestor, "not reported")),
    fact("Request comment", h("span", { class: "preserve" }, textOr(action.requestorComment, "none"))),
    fact("Created", timeValue(action.creationDateTimeUtc)),
    fact("Action ID", h("span", { class: "mono-val" }, textOr(action.id, "unknown")))));
  return (await openDialog(confirm.dialog)) === "cancel";
}
