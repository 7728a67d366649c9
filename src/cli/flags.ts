import { UsageError } from "../errors/rhx-error.ts";

/**
 * Numeric flags and their valid ranges. A value outside is a usage error (exit 64) that names the
 * range: a zero step timeout would fail every step at once, a negative lock timeout or concurrency
 * has no meaning, and an absurd one (a year, a million clusters at once) is a typo, not a wish.
 */
export const LIMITS = {
  concurrency: { min: 1, max: 64 },
  /** 0 = do not wait for another rhx's lock. */
  lockTimeoutMs: { min: 0, max: 24 * 3_600_000 },
  /** A launch of a large machine or a long `pip install` can take hours; a day is the cap. */
  stepTimeoutMs: { min: 1000, max: 24 * 3_600_000 },
} as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `--concurrency N`: a whole number in LIMITS.concurrency. */
export function parseConcurrency(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const { min, max } = LIMITS.concurrency;
  const text = String(value);
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `--concurrency takes a whole number from ${min} to ${max}, not ${shown(value)}.`,
      `For example --concurrency 4 (the default).`,
    );
  return n;
}

/** `30`, `30s`, `2m`, `1h`, `500ms` → milliseconds, within `range`; a bare number is seconds. */
export function parseDuration(
  value: unknown,
  flag: string,
  range: { min: number; max: number },
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value));
  const ms = match ? Math.round(Number(match[1]) * (UNITS[match[2] ?? "s"] ?? 1000)) : Number.NaN;
  if (!Number.isFinite(ms) || ms < range.min || ms > range.max)
    throw new UsageError(
      `${flag} takes a duration from ${human(range.min)} to ${human(range.max)}, not ${shown(value)}.`,
      "Write it as a number with a unit: 500ms, 30s, 10m, 2h (a bare number is seconds).",
    );
  return ms;
}

function human(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A flag given without a value arrives as `true` from the parser. */
function shown(value: unknown): string {
  return value === true ? "nothing" : `\`${String(value)}\``;
}

/**
 * mri reads `--concurrency -1` as the flag without a value followed by an unknown option `-1`, so
 * the user would hear about an option they never meant. Joining a value that looks like a negative
 * number to its flag (`--concurrency=-1`) lets the range check above answer instead.
 */
export function joinNegativeValues(argv: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const end = argv.indexOf("--");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if ((end === -1 || i < end) && valueFlags.has(arg) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
