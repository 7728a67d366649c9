import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import { createKeyFile, KEY_BYTES, parseKey } from "./key-file.ts";
import { keyPath } from "./paths.ts";
import { sinkError } from "./sink-error.ts";

/**
 * Fingerprints are HMACs under a key kept in the state dir (mode 0600): the state file can say
 * "the password changed" without holding anything from which the password could be guessed offline.
 */
export type Fingerprinter = (value: unknown) => string;

/**
 * The key is made only when it is missing. Any other failure to read it is RHX_STATE_CORRUPT and the
 * file is left alone: every recorded fingerprint was made with it, so a fresh key would make every
 * secret field look changed and every cluster plan a replace.
 */
export async function loadFingerprinter(stateDir: string): Promise<Fingerprinter> {
  const path = keyPath(stateDir);
  const existing = await readKey(path);
  if (existing !== undefined) return fingerprinterFromKey(existing);
  let created: Buffer | undefined;
  try {
    created = await createKeyFile(path);
  } catch (error) {
    throw sinkError("RHX_STATE_UNWRITABLE", "The fingerprint key", path, error);
  }
  // undefined: another rhx created it first (two first runs racing); both use the winner's key.
  const key = created ?? (await readKey(path));
  if (key === undefined) throw corruptKey(path, "it vanished right after another rhx created it");
  return fingerprinterFromKey(key);
}

/** The key, or undefined when there is no file; any other problem is RHX_STATE_CORRUPT. */
async function readKey(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === "ENOENT") return undefined;
    throw corruptKey(path, `it cannot be read (${errno ?? "error"})`, error);
  }
  const key = parseKey(text);
  if (key === undefined)
    throw corruptKey(path, `it does not hold a ${KEY_BYTES}-byte hex key (truncated or overwritten?)`);
  return key;
}

function corruptKey(path: string, why: string, cause?: unknown): RhxError {
  return new RhxError({
    code: "RHX_STATE_CORRUPT",
    message: `The fingerprint key ${path} is unusable: ${why}. rhx will not replace it.`,
    hint:
      "The recorded fingerprints of every cluster were made with this key; a new one would make every secret look changed. " +
      "Restore the file (readable by this user, 64 hex digits). If it is lost for good, move it away: the next plan then shows every cluster's secret fields as changed.",
    exitCode: ExitCode.StepFailed,
    cause,
  });
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
