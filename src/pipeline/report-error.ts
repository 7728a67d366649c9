import type { ErrorCode } from "../errors/codes.ts";
import { isRhxError } from "../errors/rhx-error.ts";
import type { EventFieldsOf } from "../ui/event-schema.ts";
import type { Output } from "../ui/output.ts";
import { renderError as renderErrorReport } from "../ui/render-error.ts";

export type ErrorEvent = EventFieldsOf<"error"> & { type: "error" };

/**
 * The code a failure carries everywhere it is reported (step event, state, error event, summary):
 * an error rhx did not expect inside a step is that step's failure, `RHX_STEP_FAILED`.
 */
export function stepFailureCode(error: unknown): string {
  return isRhxError(error) ? error.code : "RHX_STEP_FAILED";
}

export function errorEvent(cluster: string, error: unknown, code?: string): ErrorEvent {
  return {
    type: "error",
    cluster,
    code: code ?? (isRhxError(error) ? error.code : "RHX_INTERNAL"),
    message: error instanceof Error ? error.message : String(error),
    hint: isRhxError(error) ? error.hint : undefined,
  };
}

/** An error event as a person reads it (stderr), in the one form every error has (ui/render-error.ts). */
export function renderError(output: Output, event: ErrorEvent): void {
  output.text(
    renderErrorReport(
      { code: event.code as ErrorCode, message: event.message, hint: event.hint },
      output.colors,
      event.cluster ?? "rhx",
    ),
  );
}

/** Reports one cluster's failure outside the pipeline's observers (`rhx down`, watch mode). */
export function reportError(output: Output, cluster: string, error: unknown): void {
  const event = errorEvent(cluster, error);
  output.emit(event);
  if (!output.json) renderError(output, event);
}
