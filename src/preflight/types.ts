import type { LoadedCluster } from "../config/cluster.ts";
import type { ErrorCode } from "../errors/codes.ts";
import type { Redactor } from "../secrets/redactor.ts";

/** One pre-flight verdict. `warn` never blocks a launch; `fail` always does (exit 4). */
export interface CheckResult {
  id: string;
  title: string;
  status: "pass" | "warn" | "fail";
  code?: ErrorCode | undefined;
  message: string;
  hint?: string | undefined;
}

/** What a driver's own checks need to know; its environment and redactor it was made with. */
export interface DriverPreflightOptions {
  signal: AbortSignal;
  /** True when this cluster's own server already holds `server.port` (a re-apply). */
  clusterRunning: boolean;
}

export interface PreflightOptions extends DriverPreflightOptions {
  /** The run's redactor, for the registry check (it registers the password it offers). */
  redactor: Redactor;
  /**
   * False when the apply pulls nothing (a setup or server change on a running cluster): the registry is
   * not asked then, so an expired registry token or a registry outage cannot block a setup change.
   */
  launching?: boolean | undefined;
}

/** The part of a driver pre-flight runs: its own checks (structural, so this folder needs no driver). */
export interface PreflightDriver {
  preflight(cluster: LoadedCluster, options: DriverPreflightOptions): Promise<CheckResult[]>;
}
