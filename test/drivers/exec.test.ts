import { beforeEach, describe, expect, it } from "vitest";
import {
  CommandError,
  describeFailure,
  formatCommand,
  type RunOptions,
  run,
  runAttached,
} from "../../src/drivers/exec.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { MASK, Redactor } from "../../src/secrets/redactor.ts";

// Fixtures are tiny Node scripts run with this very Node (`node -e`), as execa's own tests do with
// fixture files: real children, no mocks, nothing to install.
const node = process.execPath;
const script = (source: string, ...args: string[]) => ["-e", source, ...args];

/** Each test's own run redactor: nothing registered leaks into another test. */
let redactor: Redactor;
beforeEach(() => {
  redactor = new Redactor();
});
const exec = (file: string, args: readonly string[], options: Omit<RunOptions, "redactor"> = {}) =>
  run(file, args, { redactor, ...options });

describe("run", () => {
  it("returns stdout, stderr, the exit code and an interleaved tail", async () => {
    const lines: string[] = [];
    const result = await exec(
      node,
      script("console.log('one'); console.error('two'); console.log('three')"),
      {
        onOutput: (line) => lines.push(line),
      },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("one\nthree");
    expect(result.stderr).toBe("two");
    expect([...lines].sort((a, b) => a.localeCompare(b))).toEqual(["one", "three", "two"]);
    expect(result.tail).toHaveLength(3);
  });

  it("keeps only the last tailLines lines", async () => {
    const result = await exec(node, script("for (let i = 1; i <= 50; i++) console.log('line ' + i)"), {
      tailLines: 5,
    });
    expect(result.tail).toEqual(["line 46", "line 47", "line 48", "line 49", "line 50"]);
  });

  it("throws a CommandError with the command, exit code and tail for a non-zero exit", async () => {
    const error = await exec(node, script("console.error('it broke'); process.exit(3)")).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.code).toBe("RHX_COMMAND_FAILED");
    expect(error.commandExitCode).toBe(3);
    expect(error.tail).toEqual(["it broke"]);
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("  it broke");
    expect(error.exitCode).toBe(1);
  });

  it("returns a non-zero exit when allowFailure is set", async () => {
    const result = await exec(node, script("process.exit(7)"), { allowFailure: true });
    expect(result.exitCode).toBe(7);
  });

  it("passes input on stdin and env in the environment, never on argv", async () => {
    const result = await exec(
      node,
      script(
        "let s=''; process.stdin.on('data', d => s += d).on('end', () => console.log(s.trim() + '/' + process.env.RHX_T))",
      ),
      { input: "from-stdin\n", env: { RHX_T: "from-env" } },
    );
    expect(result.stdout).toBe("from-stdin/from-env");
  });

  it("gives a child without input an empty stdin instead of waiting", async () => {
    const result = await exec(node, script("process.stdin.resume().on('end', () => console.log('eof'))"), {
      timeoutMs: 10_000,
    });
    expect(result.stdout).toBe("eof");
  });

  it("stops a child that runs past its timeout with RHX_STEP_TIMEOUT", async () => {
    const started = Date.now();
    const error = await exec(node, script("console.log('waiting'); setInterval(() => {}, 1000)"), {
      timeoutMs: 500,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RhxError);
    expect(error.code).toBe("RHX_STEP_TIMEOUT");
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("0.5s");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("SIGKILLs a child that ignores SIGTERM after forceKillAfterMs", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = exec(
      node,
      script("process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"),
      {
        signal: controller.signal,
        forceKillAfterMs: 300,
        onOutput: (line) => line === "ready" && controller.abort(),
      },
    );
    const error = await pending.catch((e) => e);
    expect(error.code).toBe("RHX_CANCELLED");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("cancels through the AbortSignal with RHX_CANCELLED and exit code 130", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await exec(node, script("setInterval(() => {}, 1000)"), {
      signal: controller.signal,
    }).catch((e) => e);
    expect(error.code).toBe("RHX_CANCELLED");
    expect(error.exitCode).toBe(130);
  });

  it("does not start a child when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await exec(node, script("console.log('ran')"), { signal: controller.signal }).catch(
      (e) => e,
    );
    expect(error.code).toBe("RHX_CANCELLED");
  });

  it("reports a missing program as RHX_COMMAND_NOT_FOUND", async () => {
    const error = await exec("rhx-no-such-program-here", []).catch((e) => e);
    expect(error.code).toBe("RHX_COMMAND_NOT_FOUND");
    expect(error.message).toContain("rhx-no-such-program-here");
  });

  it("reports a child killed by a signal it did not expect", async () => {
    const error = await exec(node, script("process.kill(process.pid, 'SIGKILL')")).catch((e) => e);
    expect(error.code).toBe("RHX_COMMAND_FAILED");
    expect(error.message).toContain("SIGKILL");
  });
});

describe("runAttached", () => {
  it("resolves to the child's exit code, with the run's environment", async () => {
    const code = await runAttached(node, script("process.exit(process.env.RHX_T === 'run-env' ? 7 : 1)"), {
      redactor,
      env: { RHX_T: "run-env" },
    });
    expect(code).toBe(7);
  });

  it("reports a missing program as RHX_COMMAND_NOT_FOUND", async () => {
    const error = await runAttached("rhx-no-such-program-here", [], { redactor }).catch((e) => e);
    expect(error.code).toBe("RHX_COMMAND_NOT_FOUND");
  });
});

describe("redaction", () => {
  const secret = "hunter2-very-secret";

  it("masks a registered secret in output lines, results and tails", async () => {
    redactor.register(secret);
    const lines: string[] = [];
    const result = await exec(node, script(`console.log('pw=${secret}'); console.error('${secret}!')`), {
      onOutput: (line) => lines.push(line),
    });
    const everything = JSON.stringify({ lines, result });
    expect(everything).not.toContain(secret);
    expect(result.stdout).toBe(`pw=${MASK}`);
    expect(result.stderr).toBe(`${MASK}!`);
  });

  it("masks a registered secret in error messages, including the command line", async () => {
    redactor.register(secret);
    const error = await exec(node, script(`console.error('bad ${secret}'); process.exit(2)`, secret)).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    const everything = JSON.stringify({ message: error.message, tail: error.tail, stderr: error.stderr });
    expect(everything).not.toContain(secret);
    expect(error.command).not.toContain(secret);
    expect(error.message).toContain(MASK);
  });

  it("masks secrets in timeout messages", async () => {
    redactor.register(secret);
    const error = await exec(node, script(`console.log('${secret}'); setInterval(() => {}, 1000)`), {
      timeoutMs: 400,
    }).catch((e) => e);
    expect(error.code).toBe("RHX_STEP_TIMEOUT");
    expect(error.message).not.toContain(secret);
  });

  it("masks only what the run's redactor knows: another run's secret is not this run's", async () => {
    const other = new Redactor();
    other.register(secret);
    const result = await exec(node, script(`console.log('${secret}')`));
    expect(result.stdout).toBe(secret);
    const masked = await run(node, script(`console.log('${secret}')`), { redactor: other });
    expect(masked.stdout).toBe(MASK);
  });
});

describe("formatting", () => {
  it("shell-quotes and redacts the command line", () => {
    redactor.register("s3cr3t-value");
    expect(formatCommand("docker", ["login", "--username", "me", "it's", "s3cr3t-value"], redactor)).toBe(
      `docker login --username me 'it'\\''s' ${MASK}`,
    );
  });

  it("indents the tail under the headline", () => {
    expect(describeFailure("x failed", ["a", "b"])).toBe("x failed:\n  a\n  b");
    expect(describeFailure("x failed", [])).toBe("x failed");
  });
});
