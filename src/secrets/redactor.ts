/**
 * Redaction by value (README, "Security"). Every sink — terminal, `--json`, log files, state, plan files,
 * error messages — passes its text through `redact`, so a secret cannot leak through a path that
 * forgot about it. The registry is process-wide on purpose: a CLI run has one set of secrets.
 */

/** Values shorter than this are not masked: replacing "1" or "abc" everywhere would mangle output. */
export const MIN_MASKED_LENGTH = 5;
export const MASK = "******";

const secrets = new Set<string>();
let pattern: RegExp | undefined;
const shortSecretNames = new Set<string>();

/**
 * Registers a secret value. Returns false when the value is too short to mask safely; callers warn
 * the user about it (by the variable's name, never its value).
 */
export function registerSecret(value: string | undefined, name?: string): boolean {
  if (value === undefined || value === "") return true;
  if (value.length < MIN_MASKED_LENGTH) {
    if (name) shortSecretNames.add(name);
    return false;
  }
  if (!secrets.has(value)) {
    secrets.add(value);
    pattern = undefined;
  }
  return true;
}

export function shortSecrets(): string[] {
  return [...shortSecretNames];
}

export function redact(text: string): string {
  if (secrets.size === 0 || text === "") return text;
  pattern ??= buildPattern();
  return text.replace(pattern, MASK);
}

/** Deep-redacts every string in a JSON-like value (events, state, plans). */
export function redactValue<T>(value: T): T {
  if (secrets.size === 0) return value;
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = walk(v);
    return out;
  }
  return value;
}

function buildPattern(): RegExp {
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

/** For tests only: forget every registered secret. */
export function resetSecrets(): void {
  secrets.clear();
  shortSecretNames.clear();
  pattern = undefined;
}
