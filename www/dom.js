// Small DOM helpers the page's modules share. Every string passed as a child becomes a
// text node, never HTML: what a server sent can only ever show as text.

export const $ = (id) => document.getElementById(id);

/** Creates an element; children are Nodes or plain strings (appended as text). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Shows `message` under `input` (or clears it with null), with aria-invalid to match. */
export function setFieldError(input, errorEl, message) {
  if (message) {
    errorEl.textContent = message;
    errorEl.hidden = false;
    input.setAttribute("aria-invalid", "true");
  } else {
    errorEl.textContent = "";
    errorEl.hidden = true;
    input.removeAttribute("aria-invalid");
  }
}

/** A time left, in words: "about 40 s left", "about 3 min left". */
export function timeLeft(ms) {
  if (ms <= 0) return "finishing";
  if (ms < 1_000) return "under a second left";
  if (ms < 90_000) return `about ${Math.ceil(ms / 1_000)} s left`;
  return `about ${Math.ceil(ms / 60_000)} min left`;
}

/** The message of anything thrown. */
export const messageOf = (e) => String(e && e.message ? e.message : e);
