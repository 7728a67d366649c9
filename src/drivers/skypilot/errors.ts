/**
 * SkyPilot failures as RhxErrors: the classification (classify-failure.ts) names what happened and
 * the next action; sky's own exception line is kept under it, so nothing it said is lost.
 */
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import type { RunResult } from "../exec.ts";
import { classifySkyFailure, type SkyFailure } from "./classify-failure.ts";

export function failureError(failure: SkyFailure, redactor: Redactor): RhxError {
  const detail = failure.detail && !failure.message.includes(failure.detail) ? failure.detail : undefined;
  return new RhxError({
    code: failure.code,
    message: redactor.redact(detail ? `${failure.message}\n  sky said: ${detail}` : failure.message),
    hint: redactor.redact(failure.hint),
    exitCode: ExitCode.StepFailed,
  });
}

/** The classified failure of a finished `sky` command, or undefined when it succeeded. */
export function commandFailure(result: RunResult, cluster?: string): SkyFailure | undefined {
  return classifySkyFailure({
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    cluster,
  });
}

/** Throws the classified failure of `result` unless it succeeded. */
export function throwIfFailed(result: RunResult, redactor: Redactor, cluster?: string): void {
  const failure = commandFailure(result, cluster);
  if (failure) throw failureError(failure, redactor);
}
