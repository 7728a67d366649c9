/**
 * Detected features, remembered per installed `sky` in the state dir, so only the first run after an
 * install or upgrade pays for the `--help` calls. The key is what changes when `sky` changes: the
 * version it prints, the binary's resolved path and its modification time (a reinstall rewrites the
 * entry-point script even when the version string stays, as with nightlies and local builds).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../state/atomic-write.ts";
import type { SkyFeatures } from "./version.ts";

export const CACHE_FILE = "sky-features.json";

export interface CacheKey {
  /** `sky --version`'s version text. */
  version: string;
  /** The binary's resolved path (symlinks followed). */
  path: string;
  mtimeMs: number;
}

interface CacheFile {
  entries: Record<string, { key: CacheKey; features: SkyFeatures }>;
}

/** The key of `binary` at `version`; undefined when the binary cannot be found (nothing is cached). */
export async function cacheKey(binary: string, version: string): Promise<CacheKey | undefined> {
  try {
    const path = await realpath(binary);
    return { version, path, mtimeMs: (await stat(path)).mtimeMs };
  } catch {
    return undefined;
  }
}

async function readCache(stateDir: string): Promise<CacheFile> {
  try {
    const parsed = JSON.parse(await readFile(join(stateDir, CACHE_FILE), "utf8")) as Partial<CacheFile>;
    return { entries: typeof parsed.entries === "object" && parsed.entries ? parsed.entries : {} };
  } catch {
    return { entries: {} };
  }
}

export async function cachedFeatures(stateDir: string, key: CacheKey): Promise<SkyFeatures | undefined> {
  const entry = (await readCache(stateDir)).entries[key.path];
  if (!entry) return undefined;
  const same = entry.key.version === key.version && entry.key.mtimeMs === key.mtimeMs;
  return same ? entry.features : undefined;
}

/** Best effort: a read-only state dir only means the next run asks `--help` again. */
export async function storeFeatures(stateDir: string, key: CacheKey, features: SkyFeatures): Promise<void> {
  try {
    const cache = await readCache(stateDir);
    cache.entries[key.path] = { key, features };
    // The shared atomic write: its temp file is named for its owner, so a crash's leftover is swept.
    await writeFileAtomic(join(stateDir, CACHE_FILE), `${JSON.stringify(cache, null, 2)}\n`);
  } catch {
    // ignored, see above
  }
}
