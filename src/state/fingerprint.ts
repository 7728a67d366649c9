import { createHash, createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-write.ts";
import { keyPath } from "./paths.ts";
import { sinkError } from "./sink-error.ts";

/**
 * Fingerprints are HMACs under a key kept in the state dir (mode 0600): the state file can say
 * "the password changed" without holding anything from which the password could be guessed offline.
 */
export type Fingerprinter = (value: unknown) => string;

export async function loadFingerprinter(stateDir: string): Promise<Fingerprinter> {
  const path = keyPath(stateDir);
  let key: Buffer;
  try {
    key = Buffer.from((await readFile(path, "utf8")).trim(), "hex");
    if (key.length < 32) throw new Error("short key");
  } catch {
    key = randomBytes(32);
    try {
      await writeFileAtomic(path, `${key.toString("hex")}\n`);
    } catch (error) {
      throw sinkError("RHX_STATE_UNWRITABLE", "The fingerprint key", path, error);
    }
  }
  return fingerprinterFromKey(key);
}

export function fingerprinterFromKey(key: Buffer): Fingerprinter {
  return (value: unknown) => createHmac("sha256", key).update(stable(value)).digest("hex").slice(0, 32);
}

/** Stable JSON: key order must not make two equal specs look different. */
export function stable(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
}

/** A plain content hash for things that are not secret (plan files, run ids). */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(stable(value)).digest("hex");
}
