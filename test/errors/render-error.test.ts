import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createColors } from "picocolors";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportFailure } from "../../src/cli/main.ts";
import { ExitCode } from "../../src/errors/exit-codes.ts";
import { RhxError, UsageError } from "../../src/errors/rhx-error.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { Output } from "../../src/ui/output.ts";
import { renderError } from "../../src/ui/render-error.ts";
import { runCli } from "../helpers/run-cli.ts";

const plain = createColors(false);

describe("renderError", () => {
  test("code, message, hint and the code's docs anchor, in that order", () => {
    const text = renderError(
      { code: "RHX_LOCKED", message: "Another rhx is applying dev.", hint: "Wait for it." },
      plain,
    );
    expect(text).toBe(
      [
        "error RHX_LOCKED",
        "  Another rhx is applying dev.",
        "  hint: Wait for it.",
        "  docs: docs/errors.md#rhx_locked",
      ].join("\n"),
    );
  });

  test("one cluster's failure names the cluster; a located one its file, line and column", () => {
    const located = renderError(
      {
        code: "RHX_CONFIG_INVALID",
        message: "Bad.",
        location: { file: "cluster.yaml", line: 3, column: 7 },
      },
      plain,
      "dev",
    );
    expect(located.split("\n")).toEqual([
      "[dev] cluster.yaml:3:7 error RHX_CONFIG_INVALID",
      "  Bad.",
      "  docs: docs/errors.md#rhx_config_invalid",
    ]);
  });

  test("control characters in the message and hint are shown, not obeyed; the message keeps its lines", () => {
    const text = renderError(
      { code: "RHX_SETUP_FAILED", message: "step failed\n    \u001b[2Jout", hint: "a\rb" },
      plain,
    );
    expect(text).toContain("  step failed\n    \\x1b[2Jout\n");
    expect(text).toContain("  hint: a\\rb\n");
    expect(text).not.toContain("\u001b");
  });
});

describe("RhxError takes its exit code from the catalog", () => {
  test("unless told otherwise", () => {
    expect(new RhxError({ code: "RHX_LOCKED", message: "m" }).exitCode).toBe(ExitCode.Locked);
    expect(new RhxError({ code: "RHX_CANCELLED", message: "m" }).exitCode).toBe(ExitCode.Interrupted);
    expect(new RhxError({ code: "RHX_CONFIG_INVALID", message: "m" }).exitCode).toBe(ExitCode.ConfigInvalid);
    expect(new RhxError({ code: "RHX_SETUP_FAILED", message: "m" }).exitCode).toBe(ExitCode.StepFailed);
    expect(new UsageError("m").exitCode).toBe(ExitCode.Usage);
    // A launch meets an image-reference problem as a failed step, though validation reports it as exit 3.
    expect(
      new RhxError({ code: "RHX_IMAGE_REFERENCE", message: "m", exitCode: ExitCode.StepFailed }).exitCode,
    ).toBe(ExitCode.StepFailed);
  });
});

describe("reportFailure renders through renderError", () => {
  function capture(): { output: Output; text: () => string } {
    const stderr = new PassThrough();
    const chunks: string[] = [];
    stderr.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    const output = new Output({
      json: false,
      color: false,
      verbose: false,
      stdout: new PassThrough(),
      stderr,
      redactor: new Redactor(),
    });
    return { output, text: () => chunks.join("") };
  }

  test("an unexpected error is RHX_INTERNAL, exit 1, with its docs anchor", () => {
    const { output, text } = capture();
    expect(reportFailure(output, new TypeError("boom"))).toBe(ExitCode.StepFailed);
    expect(text()).toBe(
      [
        "error RHX_INTERNAL",
        "  rhx hit an unexpected problem: boom",
        "  hint: This is a bug in rhx. Please report it with the command you ran (RHX_DEBUG=1 shows details).",
        "  docs: docs/errors.md#rhx_internal",
        "",
      ].join("\n"),
    );
  });

  test("an RhxError exits with its exit code", () => {
    const { output, text } = capture();
    const error = new RhxError({ code: "RHX_LOCKED", message: "Held.", hint: "Wait." });
    expect(reportFailure(output, error)).toBe(ExitCode.Locked);
    expect(text()).toBe("error RHX_LOCKED\n  Held.\n  hint: Wait.\n  docs: docs/errors.md#rhx_locked\n");
  });
});

describe("the CLI's human output", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-errors-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a command that stops on an error prints its docs anchor after the hint", async () => {
    const result = await runCli(["plan", "nope.yaml"], {
      cwd: dir,
      env: { RHX_STATE_DIR: join(dir, "state") },
    });
    expect(result.exitCode).toBe(ExitCode.ConfigInvalid);
    expect(result.stderr).toContain(
      "error RHX_CONFIG_INVALID\n  The configuration has 1 error(s); nothing was done.\n" +
        "  hint: Fix the errors above; `rhx validate` checks a file without acting on it.\n" +
        "  docs: docs/errors.md#rhx_config_invalid\n",
    );
  });
});
