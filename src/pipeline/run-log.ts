import type { WriteStream } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RhxError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { statePaths } from "../state/paths.ts";
import { sinkError } from "../state/sink-error.ts";

/**
 * The full output of every child process of one apply, per cluster and run, redacted line by line:
 * the terminal shows the latest line, the log keeps everything for when a step fails.
 *
 * Opened before any step runs, so a log that cannot be created stops the apply before it launches
 * anything; a write that fails later (disk full) is kept as `failure` and reported at the end,
 * never thrown from inside a step nor left as an unhandled stream error.
 */
export class RunLog {
  readonly path: string;
  #stream: WriteStream | undefined;
  #lines = 0;
  #failure: RhxError | undefined;
  readonly #redactor: Redactor;

  constructor(stateDir: string, cluster: string, runId: string, redactor: Redactor) {
    this.path = join(statePaths(stateDir, cluster).logs, `${runId}.log`);
    this.#redactor = redactor;
  }

  /** Creates the log file; throws RHX_RUN_LOG_UNWRITABLE when it cannot. */
  async open(): Promise<void> {
    if (this.#stream) return;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const handle = await open(this.path, "a", 0o600);
      this.#stream = handle.createWriteStream();
    } catch (error) {
      throw this.#error(error);
    }
    this.#stream.on("error", (error) => {
      this.#failure ??= this.#error(error);
    });
  }

  write(step: string, line: string): void {
    if (!this.#stream || this.#failure) return;
    this.#lines++;
    this.#stream.write(`${new Date().toISOString()} [${step}] ${this.#redactor.redact(line)}\n`);
  }

  /** Whether the log holds anything worth pointing at. */
  get used(): boolean {
    return this.#lines > 0 && this.#failure === undefined;
  }

  /** A write that failed after the log was opened. */
  get failure(): RhxError | undefined {
    return this.#failure;
  }

  /** Closes the file; a log nothing was written to is removed, as if it had never been opened. */
  async close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return;
    this.#stream = undefined;
    await new Promise<void>((resolve) => {
      if (stream.destroyed) resolve();
      else stream.end(resolve);
    });
    if (this.#lines === 0) await rm(this.path, { force: true }).catch(() => {});
  }

  #error(error: unknown): RhxError {
    return sinkError("RHX_RUN_LOG_UNWRITABLE", "The run log", this.path, error);
  }
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
}
