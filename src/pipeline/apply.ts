import type { ListrRendererFactory } from "listr2";
import type { LoadedCluster } from "../config/cluster.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { PlanFile } from "../plan/plan-file.ts";
import { needsConfirmation } from "../plan/render-plan.ts";
import type { Output } from "../ui/output.ts";
import { confirm } from "./confirm.ts";
import type { RunSettings } from "./context.ts";
import { executePlans } from "./execute-plans.ts";
import type { Observer } from "./observer.ts";
import { planClusters, reportPlans } from "./plan-clusters.ts";
import { checkSavedPlan } from "./saved-plan.ts";
import { subscribers } from "./subscribers.ts";
import type { Outcome, PlannedCluster } from "./types.ts";

export interface ApplyInput extends RunSettings {
  clusters: readonly LoadedCluster[];
  output: Output;
  /** -y/--yes: replaces need no question. */
  approveReplace: boolean;
  interactive: boolean;
  /** `rhx apply FILE.plan`: applied only while nothing changed since it was made; it is the approval. */
  savedPlan?: { path: string; file: PlanFile } | undefined;
  /** Tests: a listr renderer of their own, and an observer of the events. */
  renderer?: ListrRendererFactory | undefined;
  observe?: Observer | undefined;
}

export interface ApplyResult {
  exitCode: ExitCodeValue;
  planned: PlannedCluster[];
  outcomes: Outcome[];
}

/**
 * `rhx apply`: plan every cluster under its lock, show the plans, confirm a replace (or check the
 * saved plan), then execute exactly those plans. Locks are released on every path out.
 */
export async function applyClusters(input: ApplyInput): Promise<ApplyResult> {
  const { output } = input;
  const { observer, human } = subscribers(
    output,
    input.clusters,
    input.liveRenderer,
    ...(input.observe ? [input.observe] : []),
  );
  const planning = await planClusters({
    ...input,
    observer,
    lock: { timeoutMs: input.lockTimeoutMs, command: "rhx apply" },
  });
  const { planned } = planning;
  try {
    reportPlans(observer, planned);
    human.flush();
    if (planning.failed !== undefined) return { exitCode: planning.failed, planned, outcomes: [] };
    if (input.savedPlan) checkSavedPlan(input.savedPlan, planned, planning.fingerprint);
    else if (!(await approved(input, planned))) {
      output.text("Nothing was changed.");
      observer({ type: "summary", command: "apply", ok: false, aborted: true });
      return { exitCode: ExitCode.StepFailed, planned, outcomes: [] };
    }
    const execution = await executePlans(planned, {
      ...input,
      observer,
      fingerprint: planning.fingerprint,
      renderer: input.renderer ?? (input.liveRenderer && !output.json ? "default" : "silent"),
    });
    return { ...execution, planned };
  } finally {
    human.flush();
    await planning.release();
  }
}

/** A replace destroys the running cluster: it needs --yes, or a yes from a person at the terminal. */
async function approved(input: ApplyInput, planned: readonly PlannedCluster[]): Promise<boolean> {
  const replaces = needsConfirmation(planned.map((p) => p.plan)).map((p) => p.cluster);
  if (replaces.length === 0 || input.approveReplace) return true;
  if (!input.interactive)
    throw new RhxError({
      code: "RHX_CONFIRMATION_REQUIRED",
      message: `${replaces.join(", ")} would be replaced, which destroys the running cluster, and no one is here to confirm.`,
      hint: "Review the plan above and run again with --yes.",
      exitCode: ExitCode.Usage,
    });
  return confirm(`Replace ${replaces.join(", ")}?`, input.signal);
}
