import type { LoadedCluster } from "../config/cluster.ts";
import type { DriverFor } from "../pipeline/types.ts";
import type { Output } from "../ui/output.ts";

/** How long the exit may spend asking the engine what still runs: a slow engine must not hang Ctrl-C. */
const STATUS_TIMEOUT_MS = 10_000;

/**
 * On exit, says which clusters of the last good config are still up and the exact command that tears
 * each down (never leave a person guessing what still costs money). Clusters the
 * pipeline already reported on its way out are not repeated. Returns them all for `watch-stopped`.
 */
export async function reportStillRunning(
  output: Output,
  driverFor: DriverFor,
  clusters: readonly LoadedCluster[],
  alreadyReported: ReadonlySet<string>,
): Promise<{ cluster: string; teardown: string }[]> {
  const signal = AbortSignal.timeout(STATUS_TIMEOUT_MS);
  const found = await Promise.all(
    clusters.map(async (cluster) => {
      const name = cluster.spec.name;
      try {
        const driver = await driverFor(cluster);
        const teardown = driver.teardownCommand(name);
        if (alreadyReported.has(name)) return { cluster: name, teardown };
        const live = await driver.status(cluster.spec, { signal });
        if (live.state === "absent" || !live.ownedByRhx) return undefined;
        output.event("still-running", { cluster: name, teardown });
        if (!output.json) output.text(`${name} is still running. To tear it down: ${teardown}`);
        return { cluster: name, teardown };
      } catch {
        return undefined; // the engine is gone or slow: nothing this exit can add
      }
    }),
  );
  return found.filter((entry) => entry !== undefined);
}
