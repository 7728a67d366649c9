/**
 * The fingerprint key is made once, when it is missing, and never silently replaced: every recorded
 * fingerprint was made with it, so a new key would make every secret look changed and every cluster
 * plan a replace. Any other read failure is RHX_STATE_CORRUPT, and the file stays as it was.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { loadFingerprinter } from "../../src/state/fingerprint.ts";
import { keyPath } from "../../src/state/paths.ts";
import { ROOT, runCli, STACK_LINE } from "../helpers/run-cli.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-key-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RhxError);
  return error as RhxError;
}

const KEY = `${"ab".repeat(32)}\n`;

describe("the fingerprint key", () => {
  it("is created when missing: 64 hex digits, mode 0600, no temp file left", async () => {
    const print = await loadFingerprinter(dir);
    expect((await readFile(keyPath(dir), "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(keyPath(dir))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["fingerprint.key"]);
    expect((await loadFingerprinter(dir))("v")).toBe(print("v"));
  });

  it("is read as it is when present", async () => {
    await writeFile(keyPath(dir), KEY, { mode: 0o600 });
    const print = await loadFingerprinter(dir);
    await rm(keyPath(dir));
    await writeFile(keyPath(dir), KEY.toUpperCase(), { mode: 0o600 });
    expect((await loadFingerprinter(dir))("v")).toBe(print("v"));
  });

  it.each([
    ["empty (truncated to nothing)", ""],
    ["cut short", `${"ab".repeat(20)}\n`],
    ["too long", `${"ab".repeat(40)}\n`],
    ["not hex", `${"zz".repeat(32)}\n`],
  ])("%s: RHX_STATE_CORRUPT, the file left byte-identical", async (_, text) => {
    await writeFile(keyPath(dir), text, { mode: 0o600 });
    const error = await rejection(loadFingerprinter(dir));
    expect(error.code).toBe("RHX_STATE_CORRUPT");
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(keyPath(dir));
    expect(error.message).toContain("rhx will not replace it");
    expect(error.hint).toContain("move it away");
    expect(await readFile(keyPath(dir), "utf8")).toBe(text);
    expect(await readdir(dir)).toEqual(["fingerprint.key"]);
  });

  it("a directory in its place (unreadable even to root): RHX_STATE_CORRUPT naming EISDIR, left alone", async () => {
    await mkdir(keyPath(dir));
    await writeFile(join(keyPath(dir), "inside"), "x");
    const error = await rejection(loadFingerprinter(dir));
    expect(error.code).toBe("RHX_STATE_CORRUPT");
    expect(error.message).toContain("cannot be read (EISDIR)");
    expect(await readdir(keyPath(dir))).toEqual(["inside"]);
  });

  it("two first runs racing in one process end with one key", async () => {
    const prints = await Promise.all(Array.from({ length: 8 }, () => loadFingerprinter(dir)));
    const key = await readFile(keyPath(dir), "utf8");
    expect(new Set(prints.map((print) => print("v"))).size).toBe(1);
    expect((await loadFingerprinter(dir))("v")).toBe(prints[0]?.("v"));
    expect(await readdir(dir)).toEqual(["fingerprint.key"]);
    expect(await readFile(keyPath(dir), "utf8")).toBe(key);
  });

  it("first runs racing in separate processes end with one key", async () => {
    // Each child loads the module, says "ready" and waits for "go" on stdin: all start together.
    const script = [
      `import { loadFingerprinter } from ${JSON.stringify(join(ROOT, "src/state/fingerprint.ts"))};`,
      `process.stdout.write("ready\\n");`,
      `process.stdin.once("data", async () => {`,
      `  const print = await loadFingerprinter(${JSON.stringify(dir)});`,
      `  process.stdout.write(print("v"));`,
      `  process.stdin.pause();`,
      `});`,
    ].join("\n");
    const children = Array.from({ length: 4 }, () =>
      execa(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT }),
    );
    await Promise.all(children.map((child) => firstLine(child.stdout)));
    for (const child of children) child.stdin.write("go\n");
    const prints = new Set((await Promise.all(children)).map((run) => run.stdout.replace("ready\n", "")));
    expect(prints.size).toBe(1);
    expect((await loadFingerprinter(dir))("v")).toBe([...prints][0]);
    expect(await readdir(dir)).toEqual(["fingerprint.key"]);
  });
});

describe("rhx plan with an unusable fingerprint key", () => {
  const CONFIG = "name: key-test\nprovider: local\nimage_id: docker:rhx/runhouse:0.0.36\n";

  it.each([
    ["a truncated key", async (path: string) => writeFile(path, "ab".repeat(10), { mode: 0o600 })],
    ["a directory in its place", async (path: string) => mkdir(path)],
  ])("%s: exits 1 with RHX_STATE_CORRUPT and leaves the file alone", async (_, damage) => {
    await writeFile(join(dir, "cluster.yaml"), CONFIG);
    const stateDir = join(dir, "state");
    await mkdir(stateDir);
    await damage(keyPath(stateDir));
    const before = await snapshot(keyPath(stateDir));
    const result = await runCli(["plan"], { cwd: dir, env: { RHX_STATE_DIR: stateDir } });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain("RHX_STATE_CORRUPT");
    expect(result.stderr).toContain(keyPath(stateDir));
    expect(result.stderr).not.toContain("RHX_INTERNAL");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(await snapshot(keyPath(stateDir))).toEqual(before);
  });
});

function firstLine(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => stream.once("data", () => resolve()));
}

/** The bytes of a file, or the entries of a directory. */
async function snapshot(path: string): Promise<string> {
  const info = await stat(path);
  if (info.isDirectory()) return `dir:${(await readdir(path)).join(",")}`;
  return `file:${(await readFile(path)).toString("hex")}:${info.mode & 0o777}`;
}
