import { isRhxError } from "../errors/rhx-error.ts";
import { escapeMessage } from "../ui/escape.ts";
import type { EventFieldsOf } from "../ui/event-schema.ts";
import type { Output } from "../ui/output.ts";

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

/** An error event as a person reads it (stderr). */
export function renderError(output: Output, event: ErrorEvent): void {
  const cluster = event.cluster ?? "rhx";
  output.text(`[${cluster}] ${output.colors.red("error")} ${output.colors.dim(event.code)}`);
  // Messages quote user text (a setup command, a value): the terminal must not act on it.
  output.text(`  ${escapeMessage(event.message)}`);
  if (event.hint) output.text(`  ${output.colors.cyan("hint:")} ${escapeMessage(event.hint)}`);
}

/** Reports one cluster's failure outside the pipeline's observers (`rhx down`, watch mode). */
export function reportError(output: Output, cluster: string, error: unknown): void {
  const event = errorEvent(cluster, error);
  output.emit(event);
  if (!output.json) renderError(output, event);
}
