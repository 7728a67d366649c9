/**
 * Redaction by value (README, "Security"). Every sink — terminal, `--json`, log files, state, plan files,
 * error messages — passes its text through a run's `Redactor`, so a secret cannot leak through a path
 * that forgot about it. One run has one redactor: the CLI makes it and passes it down in the run
 * context; config loading registers the secrets it resolves into it.
 */

/** Values shorter than this are not masked: replacing "1" or "abc" everywhere would mangle output. */
export const MIN_MASKED_LENGTH = 5;
export const MASK = "******";

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a secret value. Returns false when the value is too short to mask safely; callers warn
   * the user about it (by the variable's name, never its value).
   */
  register(value: string | undefined): boolean {
    if (value === undefined || value === "") return true;
    if (value.length < MIN_MASKED_LENGTH) return false;
    if (!this.#secrets.has(value)) {
      this.#secrets.add(value);
      this.#pattern = undefined;
    }
    return true;
  }

  redact(text: string): string {
    if (this.#secrets.size === 0 || text === "") return text;
    this.#pattern ??= buildPattern(this.#secrets);
    return text.replace(this.#pattern, MASK);
  }

  /** Deep-redacts every string in a JSON-like value (events, state, plans). */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, inner] of Object.entries(v)) out[this.redact(k)] = walk(inner);
        return out;
      }
      return v;
    };
    return walk(value) as T;
  }
}

function buildPattern(secrets: ReadonlySet<string>): RegExp {
  // Longest first so a secret that contains another is masked whole.
  const alternatives = [...secrets]
    .sort((a, b) => b.length - a.length)
    .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString("base64")])
    .filter((s, i, all) => all.indexOf(s) === i)
    .map(escapeRegExp);
  return new RegExp(alternatives.join("|"), "g");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
