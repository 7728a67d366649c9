/**
 * The one way drivers spawn tools (docker, sky). It exists so every child gets the same guarantees
 * (README, "Security"): cancellable through an AbortSignal, bounded by a timeout, SIGKILLed when SIGTERM is
 * ignored, and every byte it prints redacted before anything — the UI, a tail, an error — sees it.
 * Failures become RhxErrors carrying the command, its exit code and the tail of its output, so a driver
 * can classify them and the CLI can print them without ever showing execa's own text (which quotes argv).
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { execa } from "execa";
import type { ErrorCode } from "../errors/codes.ts";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { shellQuote } from "../shell/quote.ts";
import type { OutputSink } from "./types.ts";

export const DEFAULT_TAIL_LINES = 20;
/** SIGTERM first so tools can clean up; SIGKILL if they are still there after this long. */
export const DEFAULT_FORCE_KILL_MS = 3_000;

export interface RunOptions {
  /** The run's redactor: every line the child prints, the command line and every error pass it. */
  redactor: Redactor;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  forceKillAfterMs?: number | undefined;
  /** Added to the parent's environment: the only way a secret may reach a child besides stdin. */
  env?: Record<string, string | undefined> | undefined;
  /** Written to the child's stdin, then closed. Without it stdin is /dev/null, so no child waits on a TTY. */
  input?: string | undefined;
  /** Every line of stdout and stderr, redacted, in the order they arrive. */
  onOutput?: OutputSink | undefined;
  tailLines?: number | undefined;
  /** Resolve with the result for a non-zero exit instead of throwing (the caller classifies it). */
  allowFailure?: boolean | undefined;
  cwd?: string | undefined;
}

export interface RunResult {
  /** The command line, shell-quoted and redacted: safe to print. */
  command: string;
  exitCode: number;
  /** Redacted, final newline stripped. */
  stdout: string;
  stderr: string;
  /** The last lines of stdout+stderr interleaved, redacted. */
  tail: string[];
  durationMs: number;
}

/** A child that ran and exited non-zero (or died of a signal nobody here sent). */
export class CommandError extends RhxError {
  readonly command: string;
  /** The child's exit code; undefined when a signal ended it. */
  readonly commandExitCode: number | undefined;
  readonly stderr: string;
  readonly tail: string[];

  constructor(code: ErrorCode, message: string, result: RunResult, redactor: Redactor) {
    super({ code, message: redactor.redact(message) });
    this.name = "CommandError";
    this.command = result.command;
    this.commandExitCode = result.exitCode < 0 ? undefined : result.exitCode;
    this.stderr = result.stderr;
    this.tail = result.tail;
  }
}

export function formatCommand(file: string, args: readonly string[], redactor: Redactor): string {
  return redactor.redact([file, ...args].map(shellQuote).join(" "));
}

/** "`cmd` exited with code 1:" followed by the indented tail; the shape every step failure uses. */
export function describeFailure(headline: string, tail: readonly string[]): string {
  return tail.length === 0 ? headline : `${headline}:\n${tail.map((line) => `  ${line}`).join("\n")}`;
}

export async function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { redactor } = options;
  const command = formatCommand(file, args, redactor);
  const tailSize = options.tailLines ?? DEFAULT_TAIL_LINES;
  const tail: string[] = [];
  const onOutput = options.onOutput;
  // One generator per stream: redaction happens here, before buffering, so result.stdout/stderr are
  // already clean and no later code path can forget it.
  const collect = function* (line: unknown) {
    const clean = redactor.redact(String(line));
    tail.push(clean);
    if (tail.length > tailSize) tail.shift();
    onOutput?.(clean);
    yield clean;
  };

  if (options.signal?.aborted) throw cancelled(command, redactor);
  const result = await execa(file, args, {
    reject: false,
    env: options.env ?? {},
    extendEnv: true,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: collect,
    stderr: collect,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    forceKillAfterDelay: options.forceKillAfterMs ?? DEFAULT_FORCE_KILL_MS,
  });

  const done: RunResult = {
    command,
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    tail,
    durationMs: result.durationMs,
  };
  if (!result.failed) return done;
  if (result.isCanceled) throw cancelled(command, redactor);
  if (result.timedOut) throw timedOut(command, options.timeoutMs ?? 0, tail, redactor);
  if (result.exitCode === undefined) throw spawnOrSignalError(file, result, done, redactor);
  if (options.allowFailure) return done;
  throw new CommandError(
    "RHX_COMMAND_FAILED",
    describeFailure(`\`${command}\` exited with code ${result.exitCode}`, tail),
    done,
    redactor,
  );
}

export interface AttachedOptions {
  redactor: Redactor;
  /** Added to the parent's environment, as in `run`. */
  env?: Record<string, string | undefined> | undefined;
}

/**
 * A child on this terminal (`rhx ssh`): stdin, stdout and stderr are the user's, so nothing is
 * captured or masked — what it prints is the user's own session. Resolves to its exit code (1 when a
 * signal ended it); a program that is not there is RHX_COMMAND_NOT_FOUND, as with `run`.
 */
export async function runAttached(
  file: string,
  args: readonly string[],
  options: AttachedOptions,
): Promise<number> {
  const result = await execa(file, args, {
    stdio: "inherit",
    reject: false,
    env: options.env ?? {},
    extendEnv: true,
  });
  if (result.exitCode === undefined && result.code === "ENOENT") throw notFound(file);
  return result.exitCode ?? 1;
}

/** `what` names the command or the wait that was stopped. */
export function cancelled(what: string, redactor: Redactor): RhxError {
  return new RhxError({
    code: "RHX_CANCELLED",
    message: redactor.redact(`Cancelled: \`${what}\` was stopped.`),
    exitCode: ExitCode.Interrupted,
  });
}

export function timedOut(
  what: string,
  timeoutMs: number,
  tail: readonly string[],
  redactor: Redactor,
): RhxError {
  return new RhxError({
    code: "RHX_STEP_TIMEOUT",
    message: redactor.redact(
      describeFailure(`\`${what}\` did not finish within ${formatSeconds(timeoutMs)} and was stopped`, tail),
    ),
    hint: "Raise the step's timeout if it needs longer, or look at the output above for where it hung.",
    exitCode: ExitCode.StepFailed,
  });
}

function spawnOrSignalError(
  file: string,
  result: { signal?: string | undefined; code?: string | undefined; originalMessage?: string | undefined },
  done: RunResult,
  redactor: Redactor,
): RhxError {
  if (result.code === "ENOENT") return notFound(file);
  if (result.signal !== undefined) {
    return new CommandError(
      "RHX_COMMAND_FAILED",
      describeFailure(`\`${done.command}\` was killed by ${result.signal}`, done.tail),
      done,
      redactor,
    );
  }
  return new CommandError(
    "RHX_COMMAND_FAILED",
    `\`${done.command}\` could not be started: ${result.originalMessage ?? "unknown error"}`,
    done,
    redactor,
  );
}

function notFound(file: string): RhxError {
  return new RhxError({
    code: "RHX_COMMAND_NOT_FOUND",
    message: `\`${file}\` was not found on PATH.`,
    hint: file === "docker" ? "Install Docker (the docker.io package on Debian)." : undefined,
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * `which` over a PATH (drivers pass the run's), without spawning anything. Falls back to the bare
 * name so a missing program is reported by run().
 */
export function resolveProgram(program: string, path = process.env.PATH ?? ""): string {
  if (isAbsolute(program) || program.includes("/")) return program;
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return program;
}
