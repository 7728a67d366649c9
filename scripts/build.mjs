#!/usr/bin/env node
/**
 * Builds what ships: `dist/cli/bin.js`, an esbuild bundle of the CLI (ESM, code splitting).
 *
 * One entry; every command's module is a dynamic import in src/cli/main.ts, so esbuild splits it
 * (and the dependencies only it uses: execa, listr2, chokidar, yaml, …) into chunks that load only
 * when that command runs. Node 20 has no module compile cache, so startup is mostly the number and
 * size of the modules read: a few chunks instead of hundreds of files is what makes `rhx validate`
 * cheap. Chunks live in dist/cli/chunks/, one level below the entry, the depth the tsc output had
 * for command modules (init finds the published schema relative to its own file).
 *
 * Source maps are written next to each file; bin.ts turns them on with RHX_DEBUG=1, the one mode
 * that prints a stack (see README.md, "Performance").
 *
 *   node scripts/build.mjs            build dist/
 *   node scripts/build.mjs --metafile also write dist/meta.json (what each chunk holds)
 */
import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist");

// Bundled CommonJS packages (yaml, cross-spawn, …) call `require("fs")`; an ESM chunk has no
// `require` unless it is given one.
const REQUIRE_SHIM = [
  'import { createRequire as __rhxCreateRequire } from "node:module";',
  "const require = __rhxCreateRequire(import.meta.url);",
].join("\n");

/**
 * CommonJS packages rhx imports with `await import()`. Split into its own chunk, such a package
 * exports only `default`, so `const { parse } = await import("dotenv")` (which Node itself answers
 * with named exports) would get undefined. Each goes through an ESM facade that names its exports,
 * read from the package at build time.
 */
const LAZY_COMMONJS = ["dotenv"];

const requireFromRoot = createRequire(join(ROOT, "package.json"));

const commonjsFacades = {
  name: "commonjs-facades",
  setup(build) {
    const filter = new RegExp(`^(${LAZY_COMMONJS.join("|")})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === "commonjs-facade" ? undefined : { path: args.path, namespace: "commonjs-facade" },
    );
    build.onLoad({ filter: /.*/, namespace: "commonjs-facade" }, (args) => {
      const names = Object.keys(requireFromRoot(args.path)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      return {
        contents: [
          `import m from ${JSON.stringify(args.path)};`,
          "export default m;",
          `export const { ${names.join(", ")} } = m;`,
        ].join("\n"),
        resolveDir: ROOT,
        loader: "js",
      };
    });
  },
};

/** A dynamically imported chunk that is CommonJS inside has no named exports: refuse to ship one. */
function assertNoBareCommonjsChunks(metafile) {
  const bare = Object.values(metafile.outputs)
    .map((output) => output.entryPoint)
    .filter((entry) => entry !== undefined && metafile.inputs[entry]?.format === "cjs");
  if (bare.length > 0)
    throw new Error(
      `lazily imported CommonJS without named exports: ${bare.join(", ")} (add the package to LAZY_COMMONJS in scripts/build.mjs)`,
    );
}

export async function buildCli({ metafile = false } = {}) {
  await rm(OUT, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { "cli/bin": "src/cli/bin.ts" },
    outdir: OUT,
    chunkNames: "cli/chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    banner: { js: REQUIRE_SHIM },
    // Package `exports` with a "module" condition point at ESM builds; prefer those over CommonJS.
    mainFields: ["module", "main"],
    conditions: ["node", "import"],
    legalComments: "none",
    minify: true,
    // Paths in source maps stay under this checkout's node_modules, whatever it links to.
    preserveSymlinks: true,
    plugins: [commonjsFacades],
    metafile: true,
    logLevel: "warning",
  });
  assertNoBareCommonjsChunks(result.metafile);
  if (metafile) await writeFile(join(OUT, "meta.json"), JSON.stringify(result.metafile, null, 1));
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildCli({ metafile: process.argv.includes("--metafile") }).catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
