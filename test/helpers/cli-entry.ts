/**
 * What ships, for the tests that spawn it: `dist/cli/bin.js` and the bundle beside it, written by
 * scripts/build.mjs (`npm run build`); `package.json` `bin` names the same file.
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Builds the bundle (scripts/build.mjs); throws with esbuild's message when the sources do not bundle. */
export function buildCli(): void {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) throw new Error(`scripts/build.mjs failed:\n${result.stderr}`);
}
