#!/usr/bin/env -S node --
// The `--` matters: Node 20 reads `--env-file` anywhere on its command line, even after the script
// (nodejs/node#54232), and would load or reject rhx's own `--env-file` before rhx runs.

/**
 * The shipped `rhx` (dist/cli/bin.js, built by scripts/build.mjs): a small loader for the CLI bundle
 * beside it. The bundle is compiled through V8's code cache (see code-cache.ts). With RHX_DEBUG=1,
 * the one mode that prints a stack, source maps are switched on and the bundle is loaded by Node's
 * own loader, which applies them; mapping costs startup time, so it is never on otherwise.
 * `src/cli/bin.ts` is the same entry for running from the sources.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, loadWithCodeCache } from "./code-cache.ts";
import type { main as Main } from "./main.ts";

/** The bundle's content hash, written in by scripts/build.mjs. */
declare const RHX_BUNDLE_HASH: string;

const bundle = join(dirname(fileURLToPath(import.meta.url)), "chunks", "rhx.cjs");
const debug = process.env.RHX_DEBUG === "1";
if (debug) process.setSourceMapsEnabled(true);
const loaded = debug
  ? { exports: createRequire(bundle)(bundle) as unknown, save: () => {} }
  : loadWithCodeCache(bundle, RHX_BUNDLE_HASH, cacheDir(process.env));
const { main } = loaded.exports as { main: typeof Main };

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    loaded.save();
  },
  () => {
    process.exitCode = 1;
  },
);
