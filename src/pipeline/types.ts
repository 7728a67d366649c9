import type { LoadedCluster } from "../config/cluster.ts";
import type { Driver, LiveCluster } from "../drivers/types.ts";
import type { ClusterPlan } from "../plan/create-plan.ts";
import type { CheckResult } from "../preflight/types.ts";
import type { ClusterState } from "../state/schema.ts";

/** A driver for a cluster's provider. */
export type DriverFor = (cluster: LoadedCluster) => Promise<Driver>;

/**
 * Pre-flight for one cluster about to be changed. `running`: the running cluster's own server holds
 * its port; `launching`: the plan launches (pulls), otherwise the registry need not be asked.
 */
export type Preflight = (
  cluster: LoadedCluster,
  driver: Driver,
  running: boolean,
  launching: boolean,
) => Promise<CheckResult[]>;

/** One cluster planned against its recorded state and live truth. */
export interface PlannedCluster {
  cluster: LoadedCluster;
  driver: Driver;
  state: ClusterState | undefined;
  live: LiveCluster;
  plan: ClusterPlan;
}

/** How one cluster's apply ended: ok only once its last step finished. */
export interface Outcome {
  name: string;
  ok: boolean;
  /** The step that failed, why, and the code every report of it carries. */
  failedStep?: string;
  error?: unknown;
  code?: string;
  /** Steps that completed, in order (for "what is still running" after an interrupt). */
  completed: string[];
  /** The run log with the full output, when anything was written to it. */
  log?: string;
}
