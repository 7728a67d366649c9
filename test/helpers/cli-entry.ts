/**
 * What ships, for the tests that spawn it: `dist/cli/bin.js` is the esbuild bundle that
 * scripts/build.mjs writes (`npm run build`), the same file `package.json` `bin` names.
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export const BUILT_BIN = join(ROOT, "dist/cli/bin.js");

/** Builds the bundle (scripts/build.mjs); throws with esbuild's message when the sources do not bundle. */
export function buildCli(): void {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) throw new Error(`scripts/build.mjs failed:\n${result.stderr}`);
}
