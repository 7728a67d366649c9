import { ERROR_CODES, type ErrorCode, isErrorCode } from "./codes.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/** A position in a user's file; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** Characters to underline from `column`; 1 when unknown. */
  length?: number;
}

export interface RhxErrorOptions {
  /** Stable, searchable identifier (`RHX_…`) from the catalog (codes.ts); never renamed once published. */
  code: ErrorCode;
  message: string;
  hint?: string | undefined;
  location?: SourceLocation | undefined;
  /** The catalog's exit code for `code` unless given: a code raised where another exit applies. */
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

/**
 * Every failure rhx expects is an RhxError: the CLI prints its message, hint and location and exits
 * with its code. Anything else reaching the top level is a bug and is reported as such.
 */
export class RhxError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(options: RhxErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RhxError";
    this.code = options.code;
    this.hint = options.hint;
    this.location = options.location;
    // The type admits catalog codes only; a cast or untyped caller still gets an error, not a TypeError.
    this.exitCode =
      options.exitCode ?? (isErrorCode(options.code) ? ERROR_CODES[options.code].exit : ExitCode.StepFailed);
  }
}

/** The user typed the command line wrong: usage is printed before the message. */
export class UsageError extends RhxError {
  constructor(message: string, hint?: string) {
    super({ code: "RHX_USAGE", message, hint, exitCode: ExitCode.Usage });
    this.name = "UsageError";
  }
}

export function isRhxError(value: unknown): value is RhxError {
  return value instanceof RhxError;
}
