import type { LoadedCluster } from "../config/cluster.ts";
import type { ErrorCode } from "../errors/codes.ts";

/** One pre-flight verdict. `warn` never blocks a launch; `fail` always does (exit 4). */
export interface CheckResult {
  id: string;
  title: string;
  status: "pass" | "warn" | "fail";
  code?: ErrorCode | undefined;
  message: string;
  hint?: string | undefined;
}

export interface PreflightOptions {
  signal: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  /** True when this cluster's own server already holds `server.port` (a re-apply). */
  clusterRunning: boolean;
  /**
   * False when the apply pulls nothing (a setup or server change on a running cluster): the registry is
   * not asked then, so an expired registry token or a registry outage cannot block a setup change.
   */
  launching?: boolean;
}

export type Check = (
  cluster: LoadedCluster,
  options: PreflightOptions,
) => Promise<CheckResult | CheckResult[]>;
