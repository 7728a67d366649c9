import type { LoadedCluster } from "../config/cluster.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { escapeControl } from "../ui/escape.ts";
import type { Output } from "../ui/output.ts";
import type { RunSettings } from "./context.ts";
import { planClusters, reportPlans } from "./plan-clusters.ts";
import { type PlanTarget, savePlan } from "./saved-plan.ts";
import { subscribers } from "./subscribers.ts";
import type { PlannedCluster } from "./types.ts";

export interface PlanOnlyInput extends RunSettings {
  clusters: readonly LoadedCluster[];
  output: Output;
  /** `rhx plan --out FILE`. */
  saveTo?: PlanTarget | undefined;
}

/** `rhx plan`: plans without locks and shows them; saves them with `--out`. Changes nothing else. */
export async function planOnly(
  input: PlanOnlyInput,
): Promise<{ exitCode: ExitCodeValue; planned: PlannedCluster[] }> {
  const { output } = input;
  const { observer, human } = subscribers(output, input.clusters, input.liveRenderer);
  const planning = await planClusters({ ...input, observer });
  const { planned } = planning;
  try {
    reportPlans(observer, planned);
    human.flush();
    if (planning.failed !== undefined) return { exitCode: planning.failed, planned };
    if (input.saveTo) {
      await savePlan(input.saveTo, planned, planning.fingerprint, output.redactor);
      observer({ type: "file-written", path: input.saveTo.path });
      const shown = escapeControl(input.saveTo.path);
      if (!output.json) output.text(`Saved the plan to ${shown}; \`rhx apply ${shown}\` applies exactly it.`);
    }
    return { exitCode: ExitCode.Ok, planned };
  } finally {
    await planning.release();
  }
}
