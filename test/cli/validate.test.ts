/**
 * `rhx validate` as a command: arguments, output streams, `--json` events, exit codes. The
 * diagnostics themselves are pinned by test/config/bad-files.test.ts; here is how they reach a
 * person or a script. A few cases spawn the built CLI, as a user runs it.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureBuilt, events, normalize, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";

const GOOD = "name: good\nprovider: local\nimage_id: docker:ubuntu:22.04\n";
const UNSET = "name: unset\nprovider: aws\nimage_id: docker:ubuntu:22.04\nregion: ${AWS_REGION}\n";
const BAD = "name: bad\nprovider: aws\nimage_id: docker:ubuntu:22.04\ninstance_type: A10G\n";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-validate-"));
  await writeFile(join(dir, "good.yaml"), GOOD);
  await writeFile(join(dir, "unset.yaml"), UNSET);
  await writeFile(join(dir, "bad.yaml"), BAD);
  await writeFile(join(dir, "cluster.yaml"), GOOD.replace("good", "default"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (argv: string[], env?: Record<string, string>) =>
  runCli(argv, { cwd: dir, ...(env ? { env } : {}) });

describe("human output", () => {
  test("a valid file: one line on stderr, nothing on stdout, exit 0", async () => {
    expect(await run(["validate", "good.yaml"])).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "✓ good.yaml is valid (good).\n",
    });
  });

  test("no FILE means ./cluster.yaml", async () => {
    expect((await run(["validate"])).stderr).toBe("✓ cluster.yaml is valid (default).\n");
  });

  test("several files, with warnings", async () => {
    const result = await run(["validate", "good.yaml", "unset.yaml"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatchInlineSnapshot(`
      "unset.yaml:4:9 warning RHX_ENV_UNSET
        AWS_REGION is not set.
          3 | image_id: docker:ubuntu:22.04
        > 4 | region: \${AWS_REGION}
            |         ^^^^^^^^^^^^^
        hint: Set AWS_REGION in the environment, in .env beside the file, or in an --env-file. Or give a default: \${AWS_REGION:-value}.

      ✓ good.yaml, unset.yaml are valid (good, unset), 1 warning.
      "
    `);
  });

  test("an invalid file exits 3 and counts errors and warnings", async () => {
    const result = await run(["validate", "bad.yaml", "unset.yaml"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr.split("\n").at(-2)).toBe("✗ 1 error, 1 warning.");
  });

  test("--no-color wins over FORCE_COLOR; FORCE_COLOR alone colours", async () => {
    const colored = await run(["validate", "bad.yaml"], { FORCE_COLOR: "1" });
    expect(colored.stderr).toContain("\u001b[");
    const plain = await runCli(["validate", "--no-color", "bad.yaml"], {
      cwd: dir,
      env: { FORCE_COLOR: "1" },
    });
    expect(plain.stderr).not.toContain("\u001b[");
  });
});

describe("--strict-env", () => {
  test.each([
    [["validate", "--strict-env", "unset.yaml"]],
    [["validate", "unset.yaml", "--strict-env"]],
    [["validate", "--strict-env", "--", "unset.yaml"]],
    [["validate", "good.yaml", "--strict-env", "unset.yaml"]],
  ])("turns unset variables into errors: %j", async (argv) => {
    const result = await run(argv);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("unset.yaml:4:9 error RHX_ENV_UNSET");
    expect(result.stderr).not.toContain("cluster.yaml");
  });

  test("is satisfied by the environment", async () => {
    expect(
      (await run(["validate", "--strict-env", "unset.yaml"], { AWS_REGION: "us-east-1" })).exitCode,
    ).toBe(0);
  });
});

describe("--json", () => {
  test("one event per line on stdout: each diagnostic, then a summary; stderr stays empty", async () => {
    const result = await run(["validate", "--json", "bad.yaml", "unset.yaml"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe("");
    const lines = events(result.stdout);
    expect(lines.map((e) => [e.type, e.code ?? ""])).toEqual([
      ["diagnostic", "RHX_INSTANCE_TYPE"],
      ["diagnostic", "RHX_ENV_UNSET"],
      ["summary", ""],
    ]);
    expect(lines[0]).toEqual({
      v: 1,
      type: "diagnostic",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      code: "RHX_INSTANCE_TYPE",
      severity: "error",
      message: '"A10G" would be read as a cloud instance type, and no cloud has one by that name.',
      hint: "Runhouse needs a count: `instance_type: A10G:1`.",
      location: { file: "bad.yaml", line: 4, column: 16, length: 4 },
      frame: "  3 | image_id: docker:ubuntu:22.04\n> 4 | instance_type: A10G\n    |                ^^^^",
    });
    expect(lines[2]).toMatchObject({
      type: "summary",
      command: "validate",
      ok: false,
      files: ["bad.yaml", "unset.yaml"],
      clusters: ["unset"],
      errors: 1,
      warnings: 1,
    });
  });

  test("a valid run is just a summary", async () => {
    const result = await run(["validate", "--json", "good.yaml"]);
    expect(normalize(result.stdout)).toMatchInlineSnapshot(`
      "{"v":1,"type":"summary","time":"<time>","command":"validate","ok":true,"files":["good.yaml"],"clusters":["good"],"errors":0,"warnings":0}
      "
    `);
  });
});

describe("never a stack trace", () => {
  test("not for a bug either: an internal error is a short message unless RHX_DEBUG=1", async () => {
    // A config path that is a file inside a file: ENOTDIR from stat, and other odd paths.
    await mkdir(join(dir, "odd"), { recursive: true });
    for (const path of ["good.yaml/cluster.yaml", "\u0000", "odd/../../nope", "-", ""]) {
      const result = await run(["validate", "--", path]);
      expect(result.stderr, path).not.toMatch(STACK_LINE);
      expect([0, 3, 64]).toContain(result.exitCode);
    }
  });
});

describe("the built CLI", () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  test("exit codes: 0 valid, 3 invalid, 64 usage", async () => {
    const cases: [string[], number][] = [
      [["validate", "good.yaml"], 0],
      [["validate", "unset.yaml"], 0],
      [["validate", "--strict-env", "unset.yaml"], 3],
      [["validate", "bad.yaml"], 3],
      [["validate", "missing.yaml"], 3],
      [["validate", "--frobnicate"], 64],
      [["frobnicate"], 64],
      [[], 64],
    ];
    for (const [argv, code] of cases) {
      const result = await runBuiltCli(argv, { cwd: dir });
      expect(result.exitCode, argv.join(" ")).toBe(code);
      expect(result.stderr, argv.join(" ")).not.toMatch(STACK_LINE);
    }
  });

  test("--json goes to stdout, human text to stderr", async () => {
    const json = await runBuiltCli(["validate", "--json", "bad.yaml"], { cwd: dir });
    expect(json.stderr).toBe("");
    expect(events(json.stdout).map((e) => e.type)).toEqual(["diagnostic", "summary"]);
    const human = await runBuiltCli(["validate", "bad.yaml"], { cwd: dir });
    expect(human.stdout).toBe("");
    expect(human.stderr).toContain("bad.yaml:4:16 error RHX_INSTANCE_TYPE");
  });

  test("--env-file is read (and a missing one is an error, not a crash)", async () => {
    await writeFile(join(dir, "region.env"), "AWS_REGION=eu-west-1\n");
    const ok = await runBuiltCli(["validate", "--strict-env", "--env-file", "region.env", "unset.yaml"], {
      cwd: dir,
    });
    expect(ok.exitCode).toBe(0);
    const missing = await runBuiltCli(["validate", "--env-file", "missing.env", "good.yaml"], { cwd: dir });
    expect(missing.stderr).not.toMatch(STACK_LINE);
    // `node -- bin.js` (the bin's shebang does the same): Node does not read rhx's --env-file itself
    // (nodejs/node#54232), so rhx answers. In-process: test/config/bad-files.test.ts ("a missing --env-file").
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain("missing.env:1:1 error RHX_ENV_FILE_UNREADABLE");
  });
});
