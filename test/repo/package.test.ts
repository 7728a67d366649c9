/**
 * What the published package promises: `rhx --version` is package.json's version however rhx is run
 * (built, or from src through `npm run dev`), and the built code imports only runtime dependencies,
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
  it("imports only Node built-ins, its own files and runtime dependencies", async () => {
    const builtins = new Set(builtinModules);
    const foreign: string[] = [];
    const seen = new Set<string>();
    for (const file of await jsFiles(join(ROOT, "dist"))) {
      const text = await readFile(file, "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? "";
        if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
        const name = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : (specifier.split("/")[0] ?? "");
        seen.add(name);
        if (!(name in pkg.dependencies)) foreign.push(`${file.slice(ROOT.length + 1)}: ${specifier}`);
      }
    }
    expect(foreign).toEqual([]);
    // The scan sees imports at all: the CLI parser and the YAML reader are runtime dependencies.
    expect([...seen]).toEqual(expect.arrayContaining(["cac", "yaml", "listr2"]));
  });
});

/** Static imports and re-exports (at the start of a line, as tsc emits them) and dynamic imports. */
const IMPORT =
  /^(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

async function jsFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".js")) files.push(join(entry.parentPath, entry.name));
  }
  return files;
}
