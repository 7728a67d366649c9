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
