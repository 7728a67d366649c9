/**
 * The `local` driver (README, "Development"): the local Docker engine plays SkyPilot's VM, and `rhx-<name>`
 * plays `sky_container`. This is the only code that spawns `docker`.
 */
import type { Driver, RunContext } from "../types.ts";
import { createDockerCli } from "./docker.ts";
import { execInContainer } from "./exec.ts";
import { launch } from "./launch.ts";
import { localPreflight } from "./preflight.ts";
import { DEFAULT_POLL_INTERVAL_MS, waitForServer } from "./server.ts";
import { inspectCluster } from "./status.ts";
import { shell, teardown } from "./teardown.ts";

/**
 * The run's environment (every docker child starts from it: DOCKER_HOST, DOCKER_CONFIG, PATH) and its
 * redactor (docker's output, the login password and every error pass it).
 */
export interface LocalDriverOptions extends Pick<RunContext, "env" | "redactor"> {
  /** The docker program (name on PATH or a path); tests point it at a wrapper that records argv. */
  docker?: string | undefined;
  /** Interval between health checks in waitForServer. */
  healthPollIntervalMs?: number | undefined;
  /** Private dir for throw-away docker configs (the state dir's run dir); default the OS temp dir. */
  runDir?: string | undefined;
}

export function createLocalDriver(options: LocalDriverOptions): Driver {
  const cli = createDockerCli(options, options.docker);
  const intervalMs = options.healthPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  return {
    kind: "local",
    preflight: (cluster, checks) => localPreflight(cli, cluster, checks),
    status: (spec, { signal }) => inspectCluster(cli, spec.name, signal),
    launch: (spec, step) => launch(cli, spec, step, options.runDir),
    exec: (spec, command, step) => execInContainer(cli, spec, command, step),
    waitForServer: (spec, step) => waitForServer(cli, spec, step, { intervalMs }),
    teardown: (spec, step) => teardown(cli, spec, step),
    shell: (spec, command) => shell(cli, spec, command),
    teardownCommand: (name) => `rhx down ${name}`,
  };
}

export { type EngineCheck, engineReachable } from "./engine.ts";
export { CLUSTER_LABEL, CONTAINER_PREFIX, containerName, MANAGED_BY_LABEL } from "./names.ts";
export { isPortFree, type PortCheck } from "./port.ts";
