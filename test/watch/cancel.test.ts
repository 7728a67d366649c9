import { describe, expect, it } from "vitest";
import { SafeCancel } from "../../src/watch/cancel.ts";

const started = (cancel: SafeCancel, cluster: string, step: string) =>
  cancel.observe({ type: "step-started", cluster, step, title: step });
const finished = (cancel: SafeCancel, cluster: string, step: string) =>
  cancel.observe({ type: "step-finished", cluster, step, durationMs: 1 });

describe("SafeCancel", () => {
  it("before the pipeline runs (loading, planning, a prompt), a request stops at once", () => {
    const cancel = new SafeCancel();
    cancel.request();
    expect(cancel.signal.aborted).toBe(true);
  });

  it("during a setup command, a request stops it at once", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "setup-2");
    cancel.request();
    expect(cancel.signal.aborted).toBe(true);
  });

  it("during a launch, it waits for the launch to finish and stops before the next step", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "launch");
    cancel.request();
    expect(cancel.signal.aborted).toBe(false);
    finished(cancel, "a", "launch");
    expect(cancel.signal.aborted).toBe(true);
  });

  it("a teardown is let finish too", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "teardown");
    cancel.request();
    expect(cancel.signal.aborted).toBe(false);
    // A failed teardown ends the replace: nothing more is started, so stopping is safe.
    cancel.observe({
      type: "step-failed",
      cluster: "a",
      step: "teardown",
      durationMs: 1,
      code: "RHX_COMMAND_FAILED",
      message: "failed",
    });
    expect(cancel.signal.aborted).toBe(true);
  });

  it("a replace is one move: after its teardown it waits for the launch", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "teardown");
    cancel.request();
    finished(cancel, "a", "teardown");
    started(cancel, "a", "launch");
    expect(cancel.signal.aborted).toBe(false);
    finished(cancel, "a", "launch");
    expect(cancel.signal.aborted).toBe(true);
  });

  it("in the pipeline before any step (pre-flight), it waits for the first step to begin", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    cancel.request();
    expect(cancel.signal.aborted).toBe(false);
    started(cancel, "a", "launch");
    expect(cancel.signal.aborted).toBe(true);
  });

  it("with several clusters, one cluster's launch holds the cancel for all", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "launch");
    started(cancel, "b", "setup-1");
    cancel.request();
    started(cancel, "b", "setup-2");
    expect(cancel.signal.aborted).toBe(false);
    finished(cancel, "a", "launch");
    expect(cancel.signal.aborted).toBe(true);
  });

  it("does nothing until asked", () => {
    const cancel = new SafeCancel();
    cancel.enterPipeline();
    started(cancel, "a", "setup-1");
    finished(cancel, "a", "setup-1");
    expect(cancel.requested).toBe(false);
    expect(cancel.signal.aborted).toBe(false);
  });
});
