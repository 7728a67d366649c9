import { seconds } from "../pipeline/render-human.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { CycleResult } from "./cycle.ts";
import { DECLINED, type Skipped } from "./decide.ts";

/**
 * The line watch mode shows between applies: what is watched, how the last apply ended, and what is
 * waiting and why (Tilt users asked for exactly that: name what is pending and the reason).
 */

export type LastResult =
  | { kind: "applied"; ms: number }
  | { kind: "unchanged" }
  | { kind: "skipped" }
  | { kind: "failed"; detail: string }
  | { kind: "cancelled" }
  | { kind: "invalid"; errors: number; lastGood: boolean };

export interface StatusInfo {
  files: readonly string[];
  last: LastResult | undefined;
  pending: readonly string[];
}

export function formatStatus(info: StatusInfo): string {
  const watched = `watching ${info.files.join(", ")}`;
  const last = info.last ? ` · last: ${describeLast(info.last)}` : "";
  const pending = info.pending.length > 0 ? ` · pending: ${info.pending.join("; ")}` : "";
  return `${watched}${last}${pending}`;
}

function describeLast(last: LastResult): string {
  switch (last.kind) {
    case "applied":
      return `applied in ${seconds(last.ms)}`;
    case "unchanged":
      return "no changes";
    case "skipped":
      return "nothing applied";
    case "failed":
      return `failed (${last.detail})`;
    case "cancelled":
      return "cancelled for a newer change";
    case "invalid":
      return `config has ${last.errors} error${last.errors === 1 ? "" : "s"}; ${last.lastGood ? "the last good config stays in force" : "nothing applied yet"}`;
  }
}

/**
 * On a terminal the line is redrawn in place and cleared before other output; anywhere else (CI,
 * pipes) it is printed once per change as a plain line, never with a carriage return.
 */
export class StatusLine {
  readonly #stream: NodeJS.WritableStream & { columns?: number };
  readonly #redraw: boolean;
  readonly #redactor: Redactor;
  #shown = false;

  constructor(stream: NodeJS.WritableStream & { columns?: number }, redraw: boolean, redactor: Redactor) {
    this.#stream = stream;
    this.#redraw = redraw;
    this.#redactor = redactor;
  }

  show(text: string): void {
    const line = this.#redactor.redact(text);
    if (!this.#redraw) {
      this.#stream.write(`${line}\n`);
      return;
    }
    const width = this.#stream.columns || 120; // a pty without a window size reports 0
    const fitted = line.length > width - 1 ? `${line.slice(0, Math.max(0, width - 2))}…` : line;
    this.#stream.write(`\r\x1b[2K${fitted}`);
    this.#shown = true;
  }

  /** Call before any other output so it does not land on the status line. */
  clear(): void {
    if (!this.#redraw || !this.#shown) return;
    this.#stream.write("\r\x1b[2K");
    this.#shown = false;
  }
}

/** What waits, and for what: a person reading the status line should know what to do next. */
export function pendingPhrase(skip: Skipped): string {
  const what = `${skip.action} of ${skip.cluster}`;
  return skip.reason === DECLINED
    ? `${what} declined (save again to be asked again)`
    : `${what} waits for --allow-replace`;
}

export function lastResult(result: CycleResult, ms: number): LastResult {
  switch (result.outcome) {
    case "applied":
      return { kind: "applied", ms };
    case "failed":
      return { kind: "failed", detail: result.failure ?? `exit ${result.exitCode}` };
    case "skipped":
      return { kind: "skipped" };
    case "cancelled":
    case "interrupted":
      return { kind: "cancelled" };
    default:
      return { kind: "unchanged" };
  }
}
