import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ClusterSpec } from "../config/cluster.ts";
import type { LiveCluster } from "../drivers/types.ts";
import { RhxError, UsageError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { writeFileAtomic } from "../state/atomic-write.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";
import type { ClusterState } from "../state/schema.ts";
import type { ClusterPlan } from "./create-plan.ts";

/**
 * `rhx plan --out FILE` / `rhx apply FILE.plan`: a saved plan is applied only while the config,
 * the recorded state and the live cluster are what they were when it was made (Terraform's rule).
 * Fingerprints are HMACs under the state dir's key: the file holds no secret and nothing guessable.
 */
export const PLAN_FILE_VERSION = 1;

export interface SavedCluster {
  name: string;
  spec: string;
  state: string;
  live: string;
  plan: ClusterPlan;
}

export interface PlanFile {
  rhxPlan: typeof PLAN_FILE_VERSION;
  createdAt: string;
  files: string[];
  envFiles: string[];
  clusters: SavedCluster[];
}

export interface PlanSnapshot {
  spec: ClusterSpec;
  state: ClusterState | undefined;
  live: LiveCluster;
  plan: ClusterPlan;
}

export function snapshot(fingerprint: Fingerprinter, entry: PlanSnapshot): SavedCluster {
  return {
    name: entry.spec.name,
    spec: fingerprint(entry.spec),
    state: fingerprint(entry.state ?? null),
    live: fingerprint({ state: entry.live.state, id: entry.live.id ?? null }),
    plan: entry.plan,
  };
}

export async function writePlanFile(path: string, file: PlanFile, redactor: Redactor): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(redactor.redactValue(file), null, 2)}\n`);
}

export function isPlanFilePath(path: string): boolean {
  return path.endsWith(".plan");
}

export async function readPlanFile(path: string, cwd: string): Promise<PlanFile> {
  let value: Partial<PlanFile>;
  try {
    value = JSON.parse(await readFile(resolve(cwd, path), "utf8")) as Partial<PlanFile>;
  } catch (error) {
    throw new UsageError(
      `${path} is not a readable rhx plan (${(error as NodeJS.ErrnoException).code ?? "not JSON"}).`,
      "Make one with `rhx plan --out FILE.plan`.",
    );
  }
  if (value.rhxPlan !== PLAN_FILE_VERSION || !Array.isArray(value.clusters) || !Array.isArray(value.files))
    throw new UsageError(
      `${path} is not an rhx plan this version can apply.`,
      "Make a new one with `rhx plan --out`.",
    );
  return value as PlanFile;
}

/** Why a saved plan no longer holds for one cluster, or undefined when it does. */
export function staleReason(saved: SavedCluster | undefined, now: SavedCluster): string | undefined {
  if (!saved) return "the cluster was not in the saved plan";
  if (saved.spec !== now.spec) return "its configuration changed since the plan was made";
  if (saved.state !== now.state) return "it was applied (or changed) since the plan was made";
  if (saved.live !== now.live) return "the live cluster changed since the plan was made";
  if (saved.plan.action !== now.plan.action)
    return `the plan is now ${now.plan.action}, not ${saved.plan.action}`;
  return undefined;
}

export function stalePlanError(path: string, reasons: string[]): RhxError {
  return new RhxError({
    code: "RHX_PLAN_STALE",
    message: `The saved plan ${path} is stale: ${reasons.join("; ")}. Nothing was changed.`,
    hint: "Make a new plan with `rhx plan --out`, review it, and apply that.",
  });
}
