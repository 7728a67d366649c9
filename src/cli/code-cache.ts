import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

/**
 * Runs the shipped CLI bundle (one CommonJS file) through V8's code cache. Node 20 has no module
 * compile cache (`module.enableCompileCache` is Node ≥ 22.1), so every start would parse the whole
 * bundle again; `vm.Script` with `cachedData` skips that. The cache is an optimisation only: any
 * failure to read or write it leaves a normal compile, never an error.
 *
 * It lives in the user's cache directory, not the state dir: it is derived data that may vanish at
 * any time, and the state dir's permissions, locks and sweeps are not for it. One file per bundle
 * (named by the bundle's hash and Node's version); writing one removes the others.
 */
export interface CachedModule {
  exports: unknown;
  /** Writes the cache when there was none (or V8 refused it): call after the run, so it holds what ran. */
  save(): void;
}

export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.RHX_CODE_CACHE === "0") return undefined;
  if (env.XDG_CACHE_HOME?.startsWith("/")) return join(env.XDG_CACHE_HOME, "rhx", "code-cache");
  try {
    return join(homedir(), ".cache", "rhx", "code-cache");
  } catch {
    return undefined;
  }
}

/** `hash` identifies the bundle (the build computes it, so no start pays for hashing 700 kB). */
export function loadWithCodeCache(file: string, hash: string, dir: string | undefined): CachedModule {
  const source = readFileSync(file, "utf8");
  const key = `${hash}-${process.version}.bin`;
  const cachePath = dir === undefined ? undefined : join(dir, key);
  const cachedData = cachePath === undefined ? undefined : readOrUndefined(cachePath);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    save() {
      if (dir === undefined || cachePath === undefined) return;
      if (cachedData !== undefined && !script.cachedDataRejected) return;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const temp = `${cachePath}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, cachePath);
        // Older bundles' caches, and temp files of writers that died: only the newest is worth keeping.
        for (const name of readdirSync(dir)) if (name !== key) rmSync(join(dir, name), { force: true });
      } catch {
        // A cache that cannot be written costs the next start a compile, nothing more.
      }
    },
  };
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
