import type { ErrorCode } from "../errors/codes.ts";
import type { SourceLocation } from "../errors/rhx-error.ts";

export type Severity = "error" | "warning";

/**
 * One problem found in a user's file. Validation collects these instead of throwing, so a user
 * sees every problem of a file at once.
 */
export interface Diagnostic {
  code: ErrorCode;
  severity: Severity;
  message: string;
  hint?: string | undefined;
  location?: SourceLocation | undefined;
  /** The two source lines around the location, as written in the file (never interpolated). */
  frame?: string | undefined;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
