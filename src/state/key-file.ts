import { randomBytes } from "node:crypto";
import { link, mkdir, open, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ownerTag } from "./owner.ts";

export const KEY_BYTES = 32;

const KEY_TEXT = new RegExp(`^[0-9a-f]{${KEY_BYTES * 2}}$`, "i");

/** The key a key file holds, or undefined when the text is not exactly one (empty, cut short, edited). */
export function parseKey(text: string): Buffer | undefined {
  const hex = text.trim();
  return KEY_TEXT.test(hex) ? Buffer.from(hex, "hex") : undefined;
}

/**
 * Creates the key file only if there is none: a new key, or undefined when another process created
 * the file first (read theirs). The key is written and synced in a private temp file (exclusive create,
 * named for the sweep in sweep.ts) and published with link(), which fails with EEXIST like `wx` but
 * never shows a half-written key to a racing reader.
 */
export async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const key = randomBytes(KEY_BYTES);
  const text = `${key.toString("hex")}\n`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${ownerTag()}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeSynced(temp, text);
    return (await publish(temp, path, text)) ? key : undefined;
  } finally {
    await rm(temp, { force: true });
  }
}

/** false when the file already exists. */
async function publish(temp: string, path: string, text: string): Promise<boolean> {
  try {
    await link(temp, path);
    await syncDir(dirname(path));
    return true;
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === "EEXIST") return false;
    // A file system without hard links: exclusive create of the file itself is still race-safe.
    if (errno === "EPERM" || errno === "ENOTSUP" || errno === "EOPNOTSUPP" || errno === "ENOSYS") {
      try {
        await writeSynced(path, text);
      } catch (fallback) {
        if ((fallback as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw fallback;
      }
      return true;
    }
    throw error;
  }
}

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
