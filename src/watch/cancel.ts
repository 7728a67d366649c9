import type { EventInput } from "../ui/event-schema.ts";
import { interruptible } from "./decide.ts";

/**
 * Cancels one apply for a newer change, but only at a safe point (docs/watch.md). Before the pipeline
 * runs a step (loading, planning, waiting for a yes) nothing has started, so it stops at once. Once
 * steps run, it waits until every running step may be stopped: a setup command or a server start is
 * interrupted (the driver kills it inside the container), a launch or a teardown finishes first. A
 * replace is one move: between its teardown and its launch there is no cluster at all, so it waits
 * for the launch too rather than leave a paid-for replace half-done.
 */
export class SafeCancel {
  readonly #controller = new AbortController();
  readonly #running = new Map<string, string>();
  /** Clusters between the teardown and the launch of a replace. */
  readonly #replacing = new Set<string>();
  #requested: boolean = false;
  #inPipeline: boolean = false;

  /** Aborted when the apply should stop; pass it (with Ctrl-C's) to everything the apply runs. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get requested(): boolean {
    return this.#requested;
  }

  /** The pipeline takes over: from now on, stop only between steps or during an interruptible one. */
  enterPipeline(): void {
    this.#inPipeline = true;
  }

  request(): void {
    this.#requested = true;
    if (!this.#inPipeline) this.#abort();
    else if (this.#running.size > 0 && this.#allInterruptible()) this.#abort();
  }

  /** An observer of the pipeline's events: its step events tell where the safe points are. */
  readonly observe = (event: EventInput): void => {
    switch (event.type) {
      case "step-started":
        // The step has not run yet: stopping now is as safe as it gets, unless another cluster's
        // launch is under way (an abort reaches every cluster of the apply).
        if (this.#requested && this.#allInterruptible()) this.#abort();
        this.#running.set(event.cluster ?? "", event.step);
        if (event.step === "teardown") this.#replacing.add(event.cluster ?? "");
        return;
      case "step-finished":
      case "step-failed":
        this.#running.delete(event.cluster ?? "");
        if (event.step === "launch" || (event.step === "teardown" && event.type === "step-failed"))
          this.#replacing.delete(event.cluster ?? "");
        if (this.#requested && this.#allInterruptible()) this.#abort();
        return;
      default:
        return;
    }
  };

  #allInterruptible(): boolean {
    return this.#replacing.size === 0 && [...this.#running.values()].every(interruptible);
  }

  #abort(): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new Error("a newer change arrived"));
  }
}
