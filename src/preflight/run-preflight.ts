import type { LoadedCluster } from "../config/cluster.ts";
import type { Driver } from "../drivers/types.ts";
import { checkRegistry } from "./checks/registry.ts";
import type { Check, CheckResult, PreflightOptions } from "./types.ts";

/** The checks per driver, run in parallel; each answers in seconds and none mutates anything. */
async function checksFor(driver: Driver): Promise<Check[]> {
  if (driver.kind === "local") {
    const { localChecks } = await import("./checks/local.ts");
    return [...localChecks, checkRegistry];
  }
  const { skyChecks } = await import("./checks/sky.ts");
  return [...skyChecks, checkRegistry];
}

export async function runPreflight(
  cluster: LoadedCluster,
  driver: Driver,
  options: PreflightOptions,
): Promise<CheckResult[]> {
  const checks = await checksFor(driver);
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
