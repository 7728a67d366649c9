import { redact } from "../secrets/redactor.ts";
import { seconds } from "../tasks/reporter.ts";

/**
 * The line watch mode shows between applies: what is watched, how the last apply ended, and what is
 * waiting and why (Tilt users asked for exactly that: name what is pending and the reason).
 */

export type LastResult =
  | { kind: "applied"; ms: number }
  | { kind: "unchanged" }
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
  #shown = false;

  constructor(stream: NodeJS.WritableStream & { columns?: number }, redraw: boolean) {
    this.#stream = stream;
    this.#redraw = redraw;
  }

  show(text: string): void {
    const line = redact(text);
    if (!this.#redraw) {
      this.#stream.write(`${line}\n`);
      return;
    }
    const width = this.#stream.columns ?? 120;
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
