import type { LoadedCluster } from "../config/cluster.ts";
import type { Driver } from "../drivers/types.ts";
import { checkRegistry } from "./checks/registry.ts";
import type { Check, CheckResult, PreflightOptions } from "./types.ts";

/** The checks per driver, run in parallel; each answers in seconds and none mutates anything. */
async function checksFor(kind: Driver["kind"], launching: boolean): Promise<Check[]> {
  const registry = launching ? [checkRegistry] : [];
  if (kind === "local") {
    const { localChecks } = await import("./checks/local.ts");
    return [...localChecks, ...registry];
  }
  const { skyChecks } = await import("./checks/sky.ts");
  return [...skyChecks, ...registry];
}

/**
 * Every check of one cluster, in parallel. Only the driver's kind matters: `rhx check` must answer even
 * where the driver itself cannot be created (no engine, no `sky`), since saying so is the checks' job.
 */
export async function runPreflight(
  cluster: LoadedCluster,
  driver: Pick<Driver, "kind">,
  options: PreflightOptions,
): Promise<CheckResult[]> {
  const checks = await checksFor(driver.kind, options.launching ?? true);
  const results = await Promise.all(
    checks.map((check) =>
      check(cluster, options).catch(
        (error: unknown): CheckResult => ({
          id: check.name || "check",
          title: check.name || "check",
          status: "fail",
          code: "RHX_PREFLIGHT_ERROR",
          message: error instanceof Error ? error.message : String(error),
        }),
      ),
    ),
  );
  return results.flat();
}
