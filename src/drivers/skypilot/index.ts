/**
 * The `skypilot` driver (README, "Development"): every cloud provider, through the `sky` CLI. What it runs,
 * per SkyPilot version, is in docs/skypilot.md.
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { serverStartCommand } from "../../runhouse/commands.ts";
import { shellQuote } from "../../shell/quote.ts";
import { defaultStateDir } from "../../state/paths.ts";
import { runAttached } from "../exec.ts";
import type { Driver, RunContext } from "../types.ts";
import { createSkyCli, resolveProgram, type SkyCli } from "./cli.ts";
import { SSH_CONNECT_OPTIONS, skyExec, sshExec, sshNotFound } from "./exec.ts";
import { skyLaunch } from "./launch.ts";
import { notOwned, skySetAutostop, skyTeardown } from "./lifecycle.ts";
import { joinWorkers } from "./nodes.ts";
import { skyPreflight } from "./preflight.ts";
import { DEFAULT_POLL_INTERVAL_MS, skyWaitForServer } from "./server.ts";
import { type Ownership, skyStatus, stateDirOwnership } from "./status.ts";

/**
 * The run's environment (PATH finds `sky` and `ssh`; children start from it) and its redactor (sky's
 * output, the registry password and every error pass it).
 */
export interface SkyDriverOptions extends Pick<RunContext, "env" | "redactor"> {
  /** rhx's state dir, whose records say which clusters rhx made (default: as the CLI resolves it). */
  stateDir?: string | undefined;
  /** Replaces the state-dir ownership test (driver tests). */
  ownership?: Ownership | undefined;
  /** The `sky` program (name on PATH or a path). */
  sky?: string | undefined;
  /** The `ssh` program (name on PATH or a path). */
  ssh?: string | undefined;
  /** Interval between health checks in waitForServer. */
  healthPollIntervalMs?: number | undefined;
  /** Bound of `sky --version` and each `--help` (tests shorten it). */
  probeTimeoutMs?: number | undefined;
  /** Bound of pre-flight's `sky check` (tests shorten it). */
  checkTimeoutMs?: number | undefined;
}

export function createSkyDriver(options: SkyDriverOptions): Driver {
  const { env, redactor } = options;
  const stateDir = options.stateDir ?? defaultStateDir(env);
  // One cli per driver, and one driver per run: its memoised probe is the run's one `sky --version`.
  const cli = createSkyCli({ env, redactor, stateDir, probeTimeoutMs: options.probeTimeoutMs }, options.sky);
  const ssh = resolveProgram(options.ssh ?? "ssh", env.PATH ?? "");
  const owned = options.ownership ?? stateDirOwnership(stateDir);
  const intervalMs = options.healthPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  return {
    kind: "skypilot",
    preflight: (cluster, { signal }) =>
      skyPreflight(cli, cluster, { signal, checkTimeoutMs: options.checkTimeoutMs }),
    status: (spec, { signal }) => skyStatus(cli, spec.name, owned, { signal }),
    launch: (spec, step) => skyLaunch(cli, owned, spec, step),
    exec: async (spec, command, step) => {
      // Install and setup: a job on every node (num_nodes), as Runhouse installs on every node.
      if (command !== serverStartCommand(spec))
        return skyExec(cli, spec, command, step, { jobName: "rhx-exec", numNodes: spec.num_nodes });
      // The server must outlive the command that starts it; a SkyPilot job's leftovers do not.
      const started = await sshExec(cli, ssh, spec, command, step);
      // Then the workers join the Ray head it started, as Runhouse's restart_server does.
      if (started.exitCode !== 0 || spec.num_nodes <= 1) return started;
      await joinWorkers(cli, ssh, spec, step);
      return started;
    },
    waitForServer: (spec, step) => skyWaitForServer(cli, spec, step, intervalMs),
    setAutostop: (spec, step) => skySetAutostop(cli, owned, spec, step),
    teardown: (spec, step) => skyTeardown(cli, owned, spec, step),
    shell: (spec, command) => shell(cli, owned, ssh, spec, command),
    teardownCommand: (name) => `rhx down ${name}`,
  };
}

/**
 * `ssh NAME` (a login shell) or `ssh NAME CMD`: SkyPilot's ssh config lands in the container for
 * docker clusters, like `runhouse ssh`. Each word of CMD is quoted, so the remote shell sees the argv.
 */
async function shell(
  cli: SkyCli,
  owned: Ownership,
  ssh: string,
  spec: Pick<ClusterSpec, "name">,
  command: readonly string[],
): Promise<number> {
  const live = await skyStatus(cli, spec.name, owned);
  if (live.state === "absent") {
    throw new RhxError({
      code: "RHX_CLUSTER_NOT_FOUND",
      message: `SkyPilot has no cluster named ${spec.name}.`,
      hint: `Create it with rhx apply (cluster "${spec.name}").`,
    });
  }
  if (!live.ownedByRhx) throw notOwned(spec.name, "shell");
  if (live.state !== "running") {
    throw new RhxError({
      code: "RHX_CLUSTER_NOT_RUNNING",
      message: `${spec.name} is not running (${live.detail ?? live.state}).`,
      hint: `Bring it back with rhx apply, or remove it with rhx down ${spec.name}.`,
    });
  }
  const tty = process.stdin.isTTY && process.stdout.isTTY ? ["-t"] : [];
  const remote = command.length > 0 ? [command.map(shellQuote).join(" ")] : [];
  return runAttached(ssh, [...tty, ...SSH_CONNECT_OPTIONS, spec.name, ...remote], {
    env: { ...cli.env },
    redactor: cli.redactor,
  }).catch(sshNotFound());
}
