// One credential per destination, in this tab's memory only: the simulator, the Defender
// cloud, and each custom base URL's origin. Whenever the target changes, the token field
// is swapped for the new destination's own value (or emptied), so a Defender token is never
// sent to the simulator or a proxy, nor a proxy key to Microsoft.

export class TokenSlots {
  /**
   * @param field       the token input
   * @param destination () => "sim" | "cloud" | a custom URL's origin | null (no valid URL yet)
   * @param defaults    values a destination starts with, e.g. { sim: "sim-token" }
   */
  constructor(field, destination, defaults = {}) {
    this.field = field;
    this.destination = destination;
    this.defaults = defaults;
    this.saved = new Map();
    this.bound = null; // the destination the field's value was entered for, if any
    field.addEventListener("input", () => { this.bound = this.destination(); });
  }

  /** Puts the right value in the field for the current destination. Call on every change of target. */
  sync() {
    const now = this.destination();
    if (now === this.bound) return;
    if (this.bound === null) {
      // Typed before any destination was chosen: it belongs to this one.
      if (this.field.value === "") this.field.value = this.valueFor(now);
    } else {
      this.saved.set(this.bound, this.field.value);
      this.field.value = this.valueFor(now);
    }
    this.bound = now;
  }

  valueFor(destination) {
    if (destination === null) return "";
    return this.saved.get(destination) ?? this.defaults[destination] ?? "";
  }
}
