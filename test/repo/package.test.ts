/**
 * What the published package promises: `rhx --version` is package.json's version however rhx is run
 * (built, or from src through `npm run dev`), and the built code loads only runtime dependencies,
 * so an install without devDependencies works.
 */
import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT, runBuiltCli } from "../helpers/run-cli.ts";

interface PackageJson {
  version: string;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
}

let pkg: PackageJson;
beforeAll(async () => {
  pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as PackageJson;
  await ensureBuilt();
});

describe("rhx --version", () => {
  const expected = () => new RegExp(`^rhx/${pkg.version.replace(/\./g, "\\.")} `);

  it("from the built dist/", async () => {
    const result = await runBuiltCli(["--version"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(expected());
  });

  it("from `npm run dev`, which runs the entry point through tsx", async () => {
    expect(pkg.scripts.dev).toBe("tsx src/cli/bin.ts");
    const result = await execa(join(ROOT, "node_modules/.bin/tsx"), ["src/cli/bin.ts", "-V"], {
      cwd: ROOT,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(expected());
  });
});

describe("the built code", () => {
  it("loads only Node built-ins, its own files and runtime dependencies", async () => {
    const builtins = new Set(builtinModules);
    const foreign: string[] = [];
    const builtinsSeen = new Set<string>();
    for (const file of await jsFiles(join(ROOT, "dist"))) {
      const text = await readFile(file, "utf8");
      for (const match of text.matchAll(SPECIFIER)) {
        const specifier = match[2] ?? match[4] ?? "";
        if (specifier.startsWith(".")) continue;
        if (specifier.startsWith("node:") || builtins.has(specifier)) {
          builtinsSeen.add(specifier.replace(/^node:/, ""));
          continue;
        }
        const name = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : (specifier.split("/")[0] ?? "");
        if (!(name in pkg.dependencies)) foreign.push(`${file.slice(ROOT.length + 1)}: ${specifier}`);
      }
    }
    expect(foreign).toEqual([]);
    // The scan sees what the bundle loads at all: it reads files and spawns processes.
    expect([...builtinsSeen]).toEqual(expect.arrayContaining(["fs", "child_process"]));
  });
});

/** `require("x")`, `import("x")` and `from "x"`, anywhere in a line: the bundle is minified. */
const SPECIFIER =
  /\b(?:require|import)\(\s*(["'])([.@\w][\w.:/@-]*)\1\s*\)|\bfrom\s*(["'])([.@\w][\w.:/@-]*)\3/g;

async function jsFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.c?js$/.test(entry.name)) files.push(join(entry.parentPath, entry.name));
  }
  return files;
}
