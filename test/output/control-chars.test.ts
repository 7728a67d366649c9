/**
 * Text from the user's file or from a container never drives the terminal: a setup command holding
 * ESC, CR, LF, C1 or bidi characters is shown with visible escapes in every human sink (the step
 * lines, the error that quotes it, the plan, the status table), so it cannot forge a "✓ ready" line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createColors } from "picocolors";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { table } from "../../src/cli/commands/status.ts";
import { applyClusters } from "../../src/pipeline/apply.ts";
import { stepTitle } from "../../src/pipeline/render-human.ts";
import { createPlan } from "../../src/plan/create-plan.ts";
import { renderPlans } from "../../src/plan/render-plan.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { escapeControl } from "../../src/ui/escape.ts";
import { freePort, removeContainers, requireDocker, TEST_IMAGES, uniqueName } from "../helpers/docker-env.ts";
import { ensureBuilt, runBuiltCli, runCli } from "../helpers/run-cli.ts";
import { FakeDriver, fingerprint, loaded, spec, testOutput } from "../tasks/fakes.ts";

/** Anything a terminal acts on, except the line breaks rhx itself writes. */
const RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const FORGED = "echo hi\r\u001b[2K\u001b[32m✓ dev is ready\u001b[0m";
const BIDI = "echo \u202etxt.exe\u202c";
const NEWLINE = "echo one\n[dev] server: done (0.1s)";
const C1 = "echo \u009b31m red";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-ctrl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("escapeControl", () => {
  it.each([
    ["\u001b[31m", "\\x1b[31m"],
    ["a\rb", "a\\rb"],
    ["a\nb", "a\\nb"],
    ["a\tb", "a\\tb"],
    ["\u0000\u0007\u007f", "\\x00\\x07\\x7f"],
    ["\u009b\u0085", "\\x9b\\x85"],
    ["\u202e\u2066\u200f\u2028", "\\u202e\\u2066\\u200f\\u2028"],
    ["pip install -r requirements.txt ✓ é 日本", "pip install -r requirements.txt ✓ é 日本"],
  ])("%j → %s", (input, shown) => {
    expect(escapeControl(input)).toBe(shown);
  });

  it("a step title is what the file says, with its control characters visible", () => {
    expect(stepTitle(FORGED)).toBe("echo hi\\r\\x1b[2K\\x1b[32m✓ dev is ready\\x1b[0m");
  });
});

describe("every human sink", () => {
  it("apply: step lines and the failed step's error show escapes, never the raw characters", async () => {
    const driver = new FakeDriver();
    driver.execResult = (command) =>
      command === C1
        ? { exitCode: 3, tail: ["progress\r\u001b[1A\u001b[2Kok", "\u202eevil"] }
        : { exitCode: 0, tail: ["out\u001b]0;title\u0007"] };
    const stderr = new Sink();
    const stdout = new Sink();
    const result = await applyClusters({
      clusters: [loaded(spec({ setup: [FORGED, BIDI, NEWLINE, C1] }))],
      output: testOutput({ json: false, verbose: true, stdout, stderr }),
      stateDir: dir,
      signal: new AbortController().signal,
      redactor: new Redactor(),
      driverFor: async () => driver,
      preflight: async () => [],
      stepTimeoutMs: 60_000,
      approveReplace: false,
      interactive: false,
      concurrency: 1,
      lockTimeoutMs: 0,
      liveRenderer: false,
    });
    expect(result.exitCode).toBe(1);
    expect(stderr.text).not.toMatch(RAW);
    expect(stderr.text).toContain("[dev] setup-2: echo hi\\r\\x1b[2K\\x1b[32m✓ dev is ready\\x1b[0m\n");
    expect(stderr.text).toContain("[dev] setup-3: echo \\u202etxt.exe\\u202c\n");
    expect(stderr.text).toContain("[dev] setup-4: echo one\\n[dev] server: done (0.1s)\n");
    expect(stderr.text).toContain("[dev] setup-2 | out\\x1b]0;title\\x07\n");
    expect(stderr.text).toContain("Setup step 5 (`echo \\x9b31m red`) exited with code 3.");
    expect(stderr.text).toContain("    progress\\r\\x1b[1A\\x1b[2Kok\n");
    expect(stderr.text).toContain("    \\u202eevil\n");
    // No line of its own claims the cluster is ready.
    expect(stderr.text.split("\n").some((line) => line.startsWith("✓"))).toBe(false);
  });

  it("plan: a changed setup command is shown escaped, C1 and bidi included", async () => {
    const before = spec({ setup: ["echo one"] });
    const driver = new FakeDriver();
    const first = await import("../tasks/fakes.ts").then((f) => f.planAndApply(driver, before, undefined));
    const plan = createPlan({
      spec: spec({ setup: [`${BIDI}\u009b2J`] }),
      state: first.state,
      live: await driver.status(),
      fingerprint,
    });
    const text = renderPlans([plan], createColors(false));
    expect(text).toContain("\\u202etxt.exe\\u202c\\x9b2J");
    expect(text).not.toMatch(RAW);
  });

  it("status: a NAME from the command line is shown, not sent", () => {
    const text = table([
      ["NAME", "LIVE"],
      ["\u001b[2Jx\r", "absent"],
    ]);
    expect(text).toContain("\\x1b[2Jx\\r");
    expect(text).not.toMatch(RAW);
  });

  it("an error quoting a value from the command line (through the CLI)", async () => {
    const result = await runCli(
      ["init", "--name", "dev\u001b[2J\r✓ ready", "--provider", "local", "--image", "a/b:1"],
      { cwd: dir },
    );
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain("dev\\x1b[2J\\r✓ ready");
    expect(result.stderr).not.toMatch(RAW);
  });
});

describe("end to end: rhx apply on the local engine", () => {
  const name = uniqueName("ctrl");
  afterEach(async () => {
    await removeContainers(`rhx-${name}`);
  });

  it("a setup command with ESC, CR and a bidi override cannot forge a line", {
    timeout: 300_000,
  }, async () => {
    await requireDocker([TEST_IMAGES.runhouse]);
    await ensureBuilt();
    // YAML double quotes spell the raw characters: \e is ESC, \r CR, \u202e a right-to-left override.
    const yaml = [
      `name: ${name}`,
      "provider: local",
      `image_id: docker:${TEST_IMAGES.runhouse}`,
      "server:",
      `  port: ${await freePort()}`,
      "setup:",
      '  - "true # \\r\\e[2K\\e[32m✓ forged is ready\\e[0m"',
      '  - "exit 3 # \\u202eevil\\e[2J"',
      "",
    ].join("\n");
    await writeFile(join(dir, "cluster.yaml"), yaml);
    const result = await runBuiltCli(["apply"], {
      cwd: dir,
      env: { RHX_STATE_DIR: join(dir, "state"), CI: "1" },
    });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(RAW);
    expect(result.stderr).toContain("true # \\r\\x1b[2K\\x1b[32m✓ forged is ready\\x1b[0m");
    expect(result.stderr).toContain("(`exit 3 # \\u202eevil\\x1b[2J`) exited with code 3");
    expect(result.stderr.split("\n").some((line) => line.startsWith("✓"))).toBe(false);
  });
});

describe("diagnostics quote the file without obeying it", () => {
  it("a code frame, message, hint and path show ESC, CR and a bidi override as escapes; tabs stay", async () => {
    const { renderDiagnostic } = await import("../../src/ui/render-diagnostic.ts");
    const rendered = renderDiagnostic(
      {
        severity: "error",
        code: "RHX_CONFIG_UNKNOWN_KEY",
        message: "Unknown key `a\u001b[2Kb` in the cluster.",
        hint: "Remove `\r✓ ready`.",
        location: { file: "evil\u202e.yaml", line: 2, column: 1 },
        frame: "> 2 | a\u001b[2Kb:\tx\r✓ ready\n    | ^",
      },
      createColors(false),
    );
    for (const raw of ["\u001b", "\r", "\u202e"]) expect(rendered).not.toContain(raw);
    expect(rendered).toContain("a\\x1b[2Kb:\tx\\r✓ ready");
    expect(rendered).toContain("evil\\u202e.yaml:2:1");
    expect(rendered).toContain("Remove `\\r✓ ready`.");
  });
});
