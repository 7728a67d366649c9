import type { LoadedCluster } from "../config/cluster.ts";
import { checkRegistry } from "./checks/registry.ts";
import type { CheckResult, PreflightDriver, PreflightOptions } from "./types.ts";

/**
 * Every check of one cluster, in parallel: the driver's own (its engine or `sky` and cloud), then —
 * when the apply pulls an image — the registry, asked from this machine, which is the same for every
 * driver. Each answers in seconds and none mutates anything. A check that throws is a failed check.
 */
export async function runPreflight(
  cluster: LoadedCluster,
  driver: PreflightDriver,
  options: PreflightOptions,
): Promise<CheckResult[]> {
  const { signal, clusterRunning } = options;
  const guarded = (id: string, check: () => Promise<CheckResult | CheckResult[]>) =>
    check().catch((error: unknown): CheckResult => failedToRun(id, error));
  const results = await Promise.all([
    guarded("driver", () => driver.preflight(cluster, { signal, clusterRunning })),
    ...((options.launching ?? true)
      ? [guarded("registry", () => checkRegistry(cluster, { signal, redactor: options.redactor }))]
      : []),
  ]);
  return results.flat();
}

function failedToRun(id: string, error: unknown): CheckResult {
  return {
    id,
    title: id,
    status: "fail",
    code: "RHX_PREFLIGHT_ERROR",
    message: error instanceof Error ? error.message : String(error),
  };
}
