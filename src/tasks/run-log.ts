import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { redact } from "../secrets/redactor.ts";
import { statePaths } from "../state/paths.ts";

/**
 * The full output of every child process of one apply, per cluster and run, redacted line by line:
 * the terminal shows the latest line, the log keeps everything for when a step fails.
 */
export class RunLog {
  readonly path: string;
  #stream: WriteStream | undefined;

  constructor(stateDir: string, cluster: string, runId: string) {
    this.path = join(statePaths(stateDir, cluster).logs, `${runId}.log`);
  }

  write(step: string, line: string): void {
    if (!this.#stream) {
      mkdirSync(join(this.path, ".."), { recursive: true, mode: 0o700 });
      this.#stream = createWriteStream(this.path, { flags: "a", mode: 0o600 });
    }
    this.#stream.write(`${new Date().toISOString()} [${step}] ${redact(line)}\n`);
  }

  get used(): boolean {
    return this.#stream !== undefined;
  }

  close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
}
