import { createColors } from "picocolors";
import type { Diagnostic } from "../config/diagnostic.ts";
import type { RhxError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { EventFieldsOf, EventInput, EventType } from "./event-schema.ts";
import { EVENT_FORMAT_VERSION } from "./events.ts";
import { renderDiagnostic } from "./render-diagnostic.ts";
import { eventsOutputError, guardStream, streamBroken } from "./stream-guard.ts";

export interface OutputOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  now?: () => Date;
  /** The run's redactor; every line and event passes it. */
  redactor: Redactor;
}

export type Colors = ReturnType<typeof createColors>;

/**
 * The only way rhx writes to the terminal. Human text goes to stderr, `--json` events to stdout,
 * and both pass the redactor, so no command can print a secret by forgetting to mask it.
 */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly colors: Colors;
  readonly #stdout: NodeJS.WritableStream;
  readonly #stderr: NodeJS.WritableStream;
  readonly #now: () => Date;
  readonly redactor: Redactor;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.colors = createColors(options.color);
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
    this.#now = options.now ?? (() => new Date());
    this.redactor = options.redactor;
    guardStream(this.#stdout);
    guardStream(this.#stderr);
  }

  /** Resolves once what was written to stdout went out or failed (a failure arrives a tick later). */
  async flushed(): Promise<void> {
    if (streamBroken(this.#stdout)) return;
    await new Promise<void>((resolve) => {
      this.#stdout.write("", () => resolve());
    });
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Set when `--json` events were lost because stdout could not be written (stream-guard.ts). */
  get eventsFailure(): RhxError | undefined {
    return this.json ? eventsOutputError(this.#stdout) : undefined;
  }

  /** A line of human text (stderr). */
  text(line = ""): void {
    if (streamBroken(this.#stderr)) return;
    this.#stderr.write(`${this.redactor.redact(line)}\n`);
  }

  /** Human text that only `-v` shows. */
  debug(line: string): void {
    if (this.verbose) this.text(this.colors.dim(line));
  }

  warn(message: string): void {
    this.text(`${this.colors.yellow("warning")} ${message}`);
  }

  /** One JSON event (stdout), only under `--json`. */
  event<T extends EventType>(type: T, fields: EventFieldsOf<T>): void {
    this.emit({ ...fields, type } as unknown as EventInput);
  }

  /** The NDJSON writer: one typed event as one line on stdout, only under `--json`. */
  emit(input: EventInput): void {
    if (!this.json) return;
    const { type, cluster, ...rest } = input as EventInput & { cluster?: string | undefined };
    const event = {
      v: EVENT_FORMAT_VERSION,
      type,
      time: this.#now().toISOString(),
      ...(cluster === undefined ? {} : { cluster }),
      ...rest,
    };
    if (!streamBroken(this.#stdout))
      this.#stdout.write(`${JSON.stringify(this.redactor.redactValue(event))}\n`);
  }

  /** Raw data on stdout for commands whose product is data (`rhx schema`), never under `--json`. */
  data(text: string): void {
    if (streamBroken(this.#stdout)) return;
    this.#stdout.write(this.redactor.redact(text));
  }

  /** Diagnostics as found, at most MAX_REPORTED of them, and a line (an event) about the rest. */
  diagnostics(list: readonly Diagnostic[]): void {
    const { shown, omitted } = selectDiagnostics(list);
    for (const diagnostic of shown) {
      this.event("diagnostic", { ...diagnostic });
      if (!this.json) this.text(renderDiagnostic(diagnostic, this.colors));
    }
    if (omitted.errors + omitted.warnings === 0) return;
    this.event("diagnostics-omitted", {
      omitted: omitted.errors + omitted.warnings,
      errors: omitted.errors,
      warnings: omitted.warnings,
    });
    if (!this.json) this.text(`… and ${describeOmitted(omitted)}, not shown.\n`);
  }
}

/**
 * A file of 80,000 unknown keys must not print 80,000 messages (or take minutes to): past this many,
 * a count. Errors are chosen before warnings, so a flood of warnings cannot hide the error that
 * makes the file invalid; the ones shown keep their order.
 */
export const MAX_REPORTED = 50;

export function selectDiagnostics(list: readonly Diagnostic[]): {
  shown: Diagnostic[];
  omitted: { errors: number; warnings: number };
} {
  if (list.length <= MAX_REPORTED) return { shown: [...list], omitted: { errors: 0, warnings: 0 } };
  const errors = list.filter((d) => d.severity === "error").length;
  const errorsShown = Math.min(errors, MAX_REPORTED);
  const warningsShown = MAX_REPORTED - errorsShown;
  let e = 0;
  let w = 0;
  const shown = list.filter((d) => (d.severity === "error" ? e++ < errorsShown : w++ < warningsShown));
  return { shown, omitted: { errors: errors - errorsShown, warnings: list.length - errors - warningsShown } };
}

function describeOmitted({ errors, warnings }: { errors: number; warnings: number }): string {
  const count = (n: number, word: string) => `${n.toLocaleString("en-US")} more ${word}${n === 1 ? "" : "s"}`;
  return [errors ? count(errors, "error") : "", warnings ? count(warnings, "warning") : ""]
    .filter(Boolean)
    .join(" and ");
}
