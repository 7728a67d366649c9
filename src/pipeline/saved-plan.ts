import {
  PLAN_FILE_VERSION,
  type PlanFile,
  snapshot,
  stalePlanError,
  staleReason,
  writePlanFile,
} from "../plan/plan-file.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";
import type { PlannedCluster } from "./types.ts";

export interface PlanTarget {
  path: string;
  files: string[];
  envFiles: string[];
}

/** `rhx plan --out FILE`: the plans with fingerprints of what they were made from. */
export async function savePlan(
  target: PlanTarget,
  planned: readonly PlannedCluster[],
  fingerprint: Fingerprinter,
  redactor: Redactor,
): Promise<void> {
  await writePlanFile(
    target.path,
    {
      rhxPlan: PLAN_FILE_VERSION,
      createdAt: new Date().toISOString(),
      files: target.files,
      envFiles: target.envFiles,
      clusters: planned.map((p) => snapshot(fingerprint, { spec: p.cluster.spec, ...p })),
    },
    redactor,
  );
}

/**
 * `rhx apply FILE.plan` applies only what was planned: throws RHX_PLAN_STALE when any cluster's
 * file, state or live truth moved since, or a cluster came or went.
 */
export function checkSavedPlan(
  saved: { path: string; file: PlanFile },
  planned: readonly PlannedCluster[],
  fingerprint: Fingerprinter,
): void {
  const reasons: string[] = [];
  for (const p of planned) {
    const reason = staleReason(
      saved.file.clusters.find((c) => c.name === p.plan.cluster),
      snapshot(fingerprint, { spec: p.cluster.spec, ...p }),
    );
    if (reason) reasons.push(`${p.plan.cluster}: ${reason}`);
  }
  for (const c of saved.file.clusters)
    if (!planned.some((p) => p.plan.cluster === c.name))
      reasons.push(`${c.name}: no longer in the configuration`);
  if (reasons.length > 0) throw stalePlanError(saved.path, reasons);
}
