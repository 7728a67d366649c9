/**
 * Paths a user names or points rhx at that cannot be used are user mistakes with their own codes,
 * never `RHX_INTERNAL … This is a bug`: `plan --out` onto a directory or into a missing directory
 * (exit 64, nothing created), and a state dir this user cannot read or write (exit 1).
 */
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInStateDir } from "../../src/cli/state-dir.ts";
import { ensureBuilt, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";

let dir: string;
const CONFIG = "name: paths-test\nprovider: local\nimage_id: docker:rhx/runhouse:0.0.36\n";
const NOBODY = { uid: 65534, gid: 65534 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-paths-"));
  await chmod(dir, 0o755);
  await writeFile(join(dir, "cluster.yaml"), CONFIG, { mode: 0o644 });
  await mkdir(join(dir, "plans"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectUserError(result: { exitCode: number; stderr: string }, code: string, exit: number): void {
  expect(result.exitCode, result.stderr).toBe(exit);
  expect(result.stderr).toContain(code);
  expect(result.stderr).not.toContain("RHX_INTERNAL");
  expect(result.stderr).not.toContain("This is a bug");
  expect(result.stderr).not.toMatch(STACK_LINE);
}

describe("plan --out", () => {
  it("onto a directory: RHX_OUTPUT_IS_DIRECTORY, exit 64", async () => {
    const result = await runCli(["plan", "--out", "plans"], {
      cwd: dir,
      env: { RHX_STATE_DIR: join(dir, "state") },
    });
    expectUserError(result, "RHX_OUTPUT_IS_DIRECTORY", 64);
    expect(result.stderr).toContain("plans is a directory; --out needs a file path");
    expect(await readdir(join(dir, "plans"))).toEqual([]);
  });

  it.each(["missing-dir/x.plan", "missing/deeper/x.plan", "cluster.yaml/x.plan"])(
    "into %s: says the directory does not exist, creates none (exit 64)",
    async (out) => {
      const before = await readdir(dir);
      const result = await runCli(["plan", "--out", out], {
        cwd: dir,
        env: { RHX_STATE_DIR: join(dir, "state") },
      });
      expectUserError(result, "RHX_OUTPUT_DIR_MISSING", 64);
      expect(result.stderr).toMatch(/does not exist|is not a directory/);
      expect(await readdir(dir)).toEqual(before);
    },
  );

  it("an absolute path in a missing directory", async () => {
    const out = join(dir, "nope", "x.plan");
    const result = await runCli(["plan", "--out", out], {
      cwd: dir,
      env: { RHX_STATE_DIR: join(dir, "state") },
    });
    expectUserError(result, "RHX_OUTPUT_DIR_MISSING", 64);
    expect(result.stderr).toContain(`the directory ${join(dir, "nope")} does not exist`);
  });
});

describe("a state dir this user cannot use (run as nobody)", () => {
  beforeAll(async () => {
    await ensureBuilt();
    await mkdir(join(dir, "ro"), { mode: 0o555 });
    await chmod(join(dir, "ro"), 0o555);
    await mkdir(join(dir, "closed"), { mode: 0o000 });
    await chmod(join(dir, "closed"), 0o000);
  });

  it.each([
    ["plan", "a read-only parent", "ro/state"],
    ["plan", "an unreadable dir", "closed"],
    ["apply", "a read-only parent", "ro/state"],
    ["apply", "an unreadable dir", "closed"],
  ])("%s with %s: RHX_STATE_DIR_UNUSABLE, exit 1", async (command, _what, stateDir) => {
    const result = await runBuiltCli([command, "--yes"].slice(0, command === "apply" ? 2 : 1), {
      cwd: dir,
      env: { RHX_STATE_DIR: join(dir, stateDir), CI: "1" },
      ...NOBODY,
    });
    expectUserError(result, "RHX_STATE_DIR_UNUSABLE", 1);
    expect(result.stderr).toContain(`cannot use its state directory ${join(dir, stateDir)}`);
    expect(result.stderr).toContain("--state-dir");
  });

  it("--state-dir on a read-only parent, with --json: one error event", async () => {
    const result = await runBuiltCli(["--json", "--state-dir", join(dir, "ro", "s"), "plan"], {
      cwd: dir,
      env: { CI: "1" },
      ...NOBODY,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('"code":"RHX_STATE_DIR_UNUSABLE"');
  });
});

describe("an errno from deep inside, about the state dir, is reported as the state dir's problem", () => {
  const errno = (path: string) => Object.assign(new Error("EACCES"), { code: "EACCES", path });
  it.each([
    ["/s", "/s", true],
    ["/s/clusters/x.json", "/s", true],
    ["/s/fingerprint.key.1.ab.tmp", "/s", true],
    ["/other/x", "/s", false],
    ["/s2/x", "/s", false],
  ])("%s in %s: %s", (path, stateDir, inside) => {
    expect(isInStateDir(errno(path), stateDir)).toBe(inside);
  });
  it("an error with no path is not", () => {
    expect(isInStateDir(new Error("x"), "/s")).toBe(false);
  });
});
