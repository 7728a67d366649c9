/**
 * Node 20 reads `--env-file` anywhere on its own command line, even after the script, so
 * `node dist/cli/bin.js … --env-file F` never reaches rhx (Node exits 9). Only forms that work may
 * be shown: `rhx …`, or `node -- …/bin.js …`. The docs, the scripts and every text rhx prints are
 * checked for the broken form, and both forms are run to show why.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_BIN, ensureBuilt, ROOT } from "../helpers/run-cli.ts";

/** `node` followed by a path to rhx's bin without `--` in between. */
const BROKEN = /\bnode\s+(?!--\s)(?:"[^"]*"|\S*)bin\.(?:js|ts)\b/;

async function filesUnder(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && ext.test(e.name)).map((e) => join(e.parentPath, e.name));
}

describe("only working forms of `node …/bin.js` are shown", () => {
  it("README, docs, examples and scripts never show `node …/bin.js` without `--`", async () => {
    const paths = [
      join(ROOT, "README.md"),
      ...(await filesUnder("docs", /\.md$/)),
      ...(await filesUnder("examples", /\.(md|sh)$/)),
      ...(await filesUnder("scripts", /\.(sh|ts|mjs)$/)),
    ];
    const broken: string[] = [];
    for (const path of paths) {
      const lines = (await readFile(path, "utf8")).split("\n");
      lines.forEach((line, i) => {
        if (BROKEN.test(line)) broken.push(`${path.slice(ROOT.length + 1)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(broken).toEqual([]);
  });

  it("no message, hint or help text in src suggests it", async () => {
    const broken: string[] = [];
    for (const path of await filesUnder("src", /\.ts$/))
      if (BROKEN.test(await readFile(path, "utf8"))) broken.push(path.slice(ROOT.length + 1));
    expect(broken).toEqual([]);
  });

  it("the pattern catches the broken form and lets the working ones through", () => {
    expect(BROKEN.test("node ../../dist/cli/bin.js apply")).toBe(true);
    expect(BROKEN.test('exec node "$root/dist/cli/bin.js" apply "$@"')).toBe(true);
    expect(BROKEN.test("node -- ../../dist/cli/bin.js apply")).toBe(false);
    expect(BROKEN.test('exec node -- "$root/dist/cli/bin.js" apply "$@"')).toBe(false);
  });
});

describe("why: what Node does with each form", () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "rhx-forms-"));
    await writeFile(join(dir, "cluster.yaml"), "name: dev\nprovider: local\nimage_id: docker:${IMAGE}\n");
    await writeFile(join(dir, "vars.env"), "IMAGE=rhx/runhouse:0.0.36\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (argv: string[]) =>
    execa(process.execPath, argv, {
      cwd: dir,
      reject: false,
      env: { PATH: process.env.PATH, NO_COLOR: "1" },
      extendEnv: false,
    });

  it("`node -- bin.js validate --strict-env --env-file F` reaches rhx and reads F", async () => {
    const result = await run(["--", BUILT_BIN, "validate", "--strict-env", "--env-file", "vars.env"]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
  });

  // nodejs/node#54232, seen on Node 20; other majors may differ, so this only documents Node 20.
  it.runIf(process.versions.node.startsWith("20."))(
    "`node bin.js … --env-file F` is taken by Node 20 itself (not a form rhx can fix)",
    async () => {
      const result = await run([BUILT_BIN, "validate", "--strict-env", "--env-file", "missing.env"]);
      expect(result.exitCode).toBe(9);
      expect(String(result.stderr)).not.toContain("RHX_");
    },
  );
});
