#!/usr/bin/env node
/**
 * Builds what ships (`npm run build`):
 *
 *   dist/cli/chunks/rhx.cjs  the whole CLI, src/cli/main.ts and every dependency, one minified
 *                            CommonJS bundle with its source map;
 *   dist/cli/bin.js          the `rhx` executable (src/cli/bundle-entry.ts): compiles the bundle
 *                            through V8's code cache (src/cli/code-cache.ts) and runs it.
 *
 * Why this shape (measured, README.md "Performance"): Node 20 has no module compile cache, so a start
 * costs roughly what it parses. One bundle read with a code cache parses nothing on a warm start; an
 * ESM build split per command (esbuild `splitting`) parsed less but all of it on every start, and
 * measured slower. Commands still load lazily: main.ts imports each with `import()`, which esbuild
 * turns into a module initialised on first use, so `rhx validate` never runs docker, listr2 or
 * chokidar code; the code cache holds only the functions a run compiled.
 *
 * The bundle sits one directory below bin.js, the depth command modules had in the tsc output:
 * `rhx init` finds the published schema relative to its own file.
 *
 *   node scripts/build.mjs             build dist/
 *   node scripts/build.mjs --metafile  also write dist/meta.json (what the bundle holds, by input)
 */
import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist");
const BUNDLE = join(OUT, "cli", "chunks", "rhx.cjs");

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  // Package `exports` with an "import" condition point at ESM builds, which tree-shake better.
  mainFields: ["module", "main"],
  conditions: ["node", "import"],
  // Paths in source maps stay under this checkout's node_modules, whatever it links to.
  preserveSymlinks: true,
  logLevel: "warning",
};

/** CommonJS has no `import.meta`; the one use (init's schema path) gets the file's own URL. */
const IMPORT_META_URL = {
  define: { "import.meta.url": "__rhxImportMetaUrl" },
  banner: { js: 'var __rhxImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
};

export async function buildCli({ metafile = false } = {}) {
  await rm(OUT, { recursive: true, force: true });
  const { version } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const bundled = await build({
    ...common,
    ...IMPORT_META_URL,
    define: { ...IMPORT_META_URL.define, PACKAGE_VERSION_AT_BUILD: JSON.stringify(version) },
    entryPoints: [join(ROOT, "src/cli/main.ts")],
    outfile: BUNDLE,
    format: "cjs",
    metafile: true,
  });
  const hash = createHash("sha256")
    .update(await readFile(BUNDLE))
    .digest("hex")
    .slice(0, 16);
  await build({
    ...common,
    entryPoints: [join(ROOT, "src/cli/bundle-entry.ts")],
    outfile: join(OUT, "cli", "bin.js"),
    format: "esm",
    define: { RHX_BUNDLE_HASH: JSON.stringify(hash) },
  });
  if (metafile) await writeFile(join(OUT, "meta.json"), JSON.stringify(bundled.metafile, null, 1));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildCli({ metafile: process.argv.includes("--metafile") }).catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
