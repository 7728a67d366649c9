import { RhxError } from "../errors/rhx-error.ts";

/**
 * A write to stdout or stderr that fails (EPIPE: `rhx --json apply | head -1`, a reader that crashed)
 * arrives as an 'error' event on the stream; unhandled, it kills rhx with a stack trace in the middle
 * of whatever it was doing, locks held. Each stream gets one listener (however many Outputs use it)
 * that records the failure; writers then skip the stream, and the command ends as it would have.
 */
const failures = new WeakMap<NodeJS.WritableStream, NodeJS.ErrnoException>();
const guarded = new WeakSet<NodeJS.WritableStream>();

export function guardStream(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!failures.has(stream)) failures.set(stream, error);
  });
}

export function streamBroken(stream: NodeJS.WritableStream): boolean {
  return failures.has(stream);
}

/** The error for a `--json` event stream that could not be written. */
export function eventsOutputError(stream: NodeJS.WritableStream): RhxError | undefined {
  const error = failures.get(stream);
  if (!error) return undefined;
  return new RhxError({
    code: "RHX_EVENTS_OUTPUT_FAILED",
    message: `The --json events could not be written to stdout (${error.code ?? error.message}): what read them stopped reading. The run itself went on to its end.`,
    hint: "Keep the reader of rhx's stdout open until rhx exits (`| head` closes it early); `rhx status` shows where the clusters are.",
  });
}
