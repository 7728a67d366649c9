import type { ListrRendererFactory } from "listr2";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";
import { writeState } from "../state/store.ts";
import type { Observer } from "./observer.ts";
import { errorEvent } from "./report-error.ts";
import { newRunId, RunLog } from "./run-log.ts";
import type { ClusterRun } from "./run-steps.ts";
import { applySteps } from "./steps.ts";
import type { Outcome, PlannedCluster } from "./types.ts";

export interface ExecuteInput {
  stateDir: string;
  signal: AbortSignal;
  observer: Observer;
  redactor: Redactor;
  fingerprint: Fingerprinter;
  concurrency: number;
  stepTimeoutMs?: number | undefined;
  /** The live task tree on a terminal a person watches; plain events otherwise (tests: a class). */
  renderer: "default" | "silent" | ListrRendererFactory;
}

export interface Execution {
  outcomes: Outcome[];
  exitCode: ExitCodeValue;
}

/**
 * Runs every plan's steps and reports how each cluster ended: a failure, what is still running after
 * an interrupt, and one `summary`. The plans are executed as they were made (under the caller's locks).
 */
export async function executePlans(
  planned: readonly PlannedCluster[],
  input: ExecuteInput,
): Promise<Execution> {
  const runId = newRunId();
  const runs: ClusterRun[] = planned
    .filter((p) => p.plan.action !== "no-op")
    .map((p) => ({
      name: p.plan.cluster,
      log: new RunLog(input.stateDir, p.plan.cluster, runId, input.redactor),
      steps: applySteps({
        cluster: p.cluster,
        plan: p.plan,
        driver: p.driver,
        fingerprint: input.fingerprint,
        state: p.state,
        saveState: (state) => writeState(input.stateDir, state, input.redactor),
      }),
    }));
  let outcomes: Outcome[];
  try {
    // Before any step: a run log that cannot be created stops the apply before it launches anything.
    for (const run of runs) await run.log.open();
    outcomes =
      runs.length === 0
        ? []
        : // listr2 is loaded only when there is work: a no-op re-apply never pays for it.
          await (await import("./run-steps.ts")).runSteps(runs, { ...input });
  } finally {
    await Promise.all(runs.map((r) => r.log.close()));
  }
  const interrupted = input.signal.aborted;
  reportOutcomes(input.observer, planned, outcomes, interrupted);
  // The clusters are as reported; what is missing is the record of how they got there.
  const logFailures = runs.flatMap((r) => (r.log.failure ? [errorEvent(r.name, r.log.failure)] : []));
  for (const event of logFailures) input.observer(event);
  const exitCode = interrupted
    ? ExitCode.Interrupted
    : outcomes.some((o) => !o.ok) || logFailures.length > 0
      ? ExitCode.StepFailed
      : ExitCode.Ok;
  return { outcomes, exitCode };
}

function reportOutcomes(
  observer: Observer,
  planned: readonly PlannedCluster[],
  outcomes: readonly Outcome[],
  interrupted: boolean,
): void {
  for (const outcome of outcomes) {
    const entry = planned.find((p) => p.plan.cluster === outcome.name);
    // A plain "cancelled" is noise after Ctrl-C, except for a launch: its message says what may
    // have been left half-made (SkyPilot keeps provisioning after its client dies).
    const quietCancel = interrupted && outcome.code === "RHX_CANCELLED" && outcome.failedStep !== "launch";
    if (!outcome.ok && !quietCancel) observer(errorEvent(outcome.name, outcome.error, outcome.code));
    if (interrupted && entry && (outcome.completed.includes("launch") || !entry.plan.steps.launch))
      observer({
        type: "still-running",
        cluster: outcome.name,
        teardown: entry.driver.teardownCommand(outcome.name),
      });
  }
  const result = (p: PlannedCluster) => {
    const outcome = outcomes.find((o) => o.name === p.plan.cluster);
    if (outcome?.ok === false) return "failed";
    return p.plan.action === "no-op" ? "unchanged" : "applied";
  };
  observer({
    type: "summary",
    command: "apply",
    ok: outcomes.every((o) => o.ok) && !interrupted,
    clusters: planned.map((p) => ({ name: p.plan.cluster, action: p.plan.action, result: result(p) })),
  });
}
