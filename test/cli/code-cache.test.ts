import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cacheDir, loadWithCodeCache } from "../../src/cli/code-cache.ts";

/** The shipped CLI's start-up path: a CommonJS bundle compiled through V8's code cache. */

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-code-cache-"));
  bundle = join(dir, "bundle.cjs");
  await writeFile(
    bundle,
    'const { basename } = require("node:path");\nexports.answer = () => 42;\nexports.self = basename(__filename);\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadWithCodeCache", () => {
  test("runs the bundle as a CommonJS module: exports, require and __filename work", () => {
    const loaded = loadWithCodeCache(bundle, "h1", undefined);
    const exports = loaded.exports as { answer: () => number; self: string };
    expect(exports.answer()).toBe(42);
    expect(exports.self).toBe("bundle.cjs");
  });

  test("writes one cache file per bundle hash and Node version, and keeps only the newest", async () => {
    const cache = join(dir, "cache-a");
    loadWithCodeCache(bundle, "h1", cache).save();
    expect(await readdir(cache)).toEqual([`h1-${process.version}.bin`]);
    loadWithCodeCache(bundle, "h2", cache).save();
    expect(await readdir(cache)).toEqual([`h2-${process.version}.bin`]);
  });

  test("a cache V8 refuses (corrupt) is replaced, and the bundle still runs", async () => {
    const cache = join(dir, "cache-b");
    await mkdir(cache);
    const file = join(cache, `h1-${process.version}.bin`);
    await writeFile(file, "not a code cache");
    // A source this process has not compiled yet: V8 would answer a repeat from its in-memory cache
    // without looking at the cache data at all (a new process, as rhx is, never has that).
    const fresh = join(dir, "fresh.cjs");
    await writeFile(fresh, "exports.answer = () => 43;\n");
    const loaded = loadWithCodeCache(fresh, "h1", cache);
    expect((loaded.exports as { answer: () => number }).answer()).toBe(43);
    loaded.save();
    expect((await readFile(file)).toString("latin1")).not.toBe("not a code cache");
  });

  test.skipIf(process.getuid?.() === 0)(
    "a cache dir it may not write costs nothing but the cache",
    async () => {
      const cache = join(dir, "read-only");
      await mkdir(cache);
      await chmod(cache, 0o500);
      const loaded = loadWithCodeCache(bundle, "h1", cache);
      expect(() => loaded.save()).not.toThrow();
      expect(await readdir(cache)).toEqual([]);
    },
  );
});

describe("cacheDir", () => {
  test("XDG_CACHE_HOME when it is absolute, else ~/.cache; RHX_CODE_CACHE=0 turns the cache off", () => {
    expect(cacheDir({ XDG_CACHE_HOME: "/c" })).toBe("/c/rhx/code-cache");
    expect(cacheDir({ XDG_CACHE_HOME: "relative" })).toMatch(/\/\.cache\/rhx\/code-cache$/);
    expect(cacheDir({ RHX_CODE_CACHE: "0", XDG_CACHE_HOME: "/c" })).toBeUndefined();
  });
});
