/**
 * The local driver's pre-flight: does its Docker engine answer, and is the server's port free on this
 * machine (the container shares its network)? Each check is guarded: one that throws is a failed check,
 * never a failed `rhx check`.
 */
import type { LoadedCluster } from "../../config/cluster.ts";
import type { CheckResult, DriverPreflightOptions } from "../../preflight/types.ts";
import type { DockerCli } from "./docker.ts";
import { engineReachable } from "./engine.ts";
import { isPortFree } from "./port.ts";

export function localPreflight(
  cli: DockerCli,
  cluster: LoadedCluster,
  options: DriverPreflightOptions,
): Promise<CheckResult[]> {
  return Promise.all([
    guarded("engine", "Docker engine", cli, () => engineCheck(cli, options.signal)),
    guarded("port", `port ${cluster.spec.server.port}`, cli, () =>
      portCheck(cluster.spec.server.port, options.clusterRunning),
    ),
  ]);
}

async function engineCheck(cli: DockerCli, signal: AbortSignal): Promise<CheckResult> {
  const base = { id: "engine", title: "Docker engine" };
  const result = await engineReachable(cli, { signal });
  return result.ok
    ? { ...base, status: "pass", message: `docker ${result.clientVersion}, engine ${result.serverVersion}` }
    : { ...base, status: "fail", code: result.code, message: result.message, hint: result.hint };
}

async function portCheck(wanted: number, clusterRunning: boolean): Promise<CheckResult> {
  const base = { id: "port", title: `port ${wanted}` };
  // The cluster's own server holds its port on a re-apply; that is not a conflict.
  if (clusterRunning) return { ...base, status: "pass", message: "held by this cluster's container" };
  const result = await isPortFree(wanted);
  return result.free
    ? { ...base, status: "pass", message: `127.0.0.1:${wanted} is free` }
    : {
        ...base,
        status: "fail",
        code: "RHX_PORT_BUSY",
        message: result.message,
        hint: "The container shares this machine's network; stop what holds the port or set `server.port`.",
      };
}

function guarded(
  id: string,
  title: string,
  cli: DockerCli,
  check: () => Promise<CheckResult>,
): Promise<CheckResult> {
  return check().catch(
    (error: unknown): CheckResult => ({
      id,
      title,
      status: "fail",
      code: "RHX_PREFLIGHT_ERROR",
      message: cli.redactor.redact(error instanceof Error ? error.message : String(error)),
    }),
  );
}
