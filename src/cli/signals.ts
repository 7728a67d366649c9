import type { Output } from "../ui/output.ts";

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Two-stage interrupt, as Terraform and Compose do: the first SIGINT/SIGTERM aborts the run's
 * signal so every step can stop at a safe point, release its lock and say what is still running;
 * a second one exits at once.
 */
export function interruptController(output: Output): Interrupt {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      output.text("Interrupted again: exiting now.");
      process.exit(130);
    }
    output.event("interrupted", { signal });
    if (!output.json)
      output.text(
        `\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping at the next safe point (again to exit now).`,
      );
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * Runs `work` with the operating system's own action for SIGINT and SIGTERM: the process ends at
 * once (a shell reports 130 for Ctrl-C). For work with nothing to clean up, like loading and
 * validating files: a JavaScript signal handler only runs when the event loop turns, so during a
 * long synchronous parse of a large file Ctrl-C would be ignored until the parse ended. The
 * listeners, rhx's two-stage one included, are back in place when `work` settles.
 */
export async function withDefaultSignals<T>(work: () => Promise<T>): Promise<T> {
  const signals = ["SIGINT", "SIGTERM"] as const;
  const saved = signals.map((signal) => ({ signal, listeners: process.listeners(signal) }));
  for (const { signal, listeners } of saved) for (const listener of listeners) process.off(signal, listener);
  try {
    return await work();
  } finally {
    for (const { signal, listeners } of saved) for (const listener of listeners) process.on(signal, listener);
  }
}
