import { isRhxError } from "../errors/rhx-error.ts";
import { redact } from "../secrets/redactor.ts";
import { escapeControl } from "../ui/escape.ts";
import type { Output } from "../ui/output.ts";

/**
 * Step lifecycle → `--json` events, and (when no live renderer owns the terminal) one plain line
 * per event with elapsed times: what CI logs and pipes get.
 */
export class StepReporter {
  readonly #output: Output;
  readonly #lines: boolean;

  constructor(output: Output, options: { lines: boolean }) {
    this.#output = output;
    this.#lines = options.lines && !output.json;
  }

  started(cluster: string, step: string, title: string): void {
    this.#output.event("step-started", { cluster, step, title });
    if (this.#lines) this.#output.text(`[${cluster}] ${step}: ${stepTitle(title)}`);
  }

  line(cluster: string, step: string, line: string): void {
    this.#output.event("step-output", { cluster, step, line });
    if (this.#lines && this.#output.verbose)
      this.#output.text(`[${cluster}] ${step} | ${escapeControl(line)}`);
  }

  finished(cluster: string, step: string, ms: number): void {
    this.#output.event("step-finished", { cluster, step, durationMs: Math.round(ms) });
    if (this.#lines) this.#output.text(`[${cluster}] ${step}: done (${seconds(ms)})`);
  }

  failed(cluster: string, step: string, ms: number, error: unknown, logPath?: string): void {
    const code = isRhxError(error) ? error.code : "RHX_STEP_FAILED";
    const message = redact(error instanceof Error ? error.message : String(error));
    this.#output.event("step-failed", {
      cluster,
      step,
      durationMs: Math.round(ms),
      code,
      message,
      log: logPath,
    });
    if (this.#lines) this.#output.text(`[${cluster}] ${step}: failed after ${seconds(ms)} (${code})`);
  }

  skipped(cluster: string, step: string, reason: string): void {
    this.#output.event("step-skipped", { cluster, step, reason });
    if (this.#lines) this.#output.text(`[${cluster}] ${step}: skipped (${escapeControl(reason)})`);
  }
}

/**
 * A step's title as a person sees it (the line reporter and the live task tree): setup titles are
 * the user's commands verbatim, so their control characters are shown as escapes, never sent.
 */
export function stepTitle(title: string): string {
  return escapeControl(title);
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
