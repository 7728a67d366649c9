/**
 * Removal and the interactive shell: both act only on a container that carries rhx's label for this
 * cluster (README, "Security": nothing rhx did not create is removed).
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { runAttached } from "../exec.ts";
import type { StepOptions } from "../types.ts";
import { daemonReason } from "./classify.ts";
import type { DockerCli } from "./docker.ts";
import { CLUSTER_LABEL, containerName } from "./names.ts";
import { inspectCluster } from "./status.ts";

const RM_TIMEOUT_MS = 60_000;

export function notOwned(cluster: string, action: "launch" | "teardown" | "shell"): RhxError {
  const name = containerName(cluster);
  const verb = { launch: "replace", teardown: "remove", shell: "open a shell in" }[action];
  return new RhxError({
    code: "RHX_CLUSTER_NOT_OWNED",
    message: `A container named ${name} exists but rhx did not create it (no ${CLUSTER_LABEL}=${cluster} label), so rhx will not ${verb} it.`,
    hint: `Rename or remove it yourself if it is yours to remove (docker rm -f ${name}), or give the cluster another name.`,
  });
}

export async function teardown(
  cli: DockerCli,
  spec: Pick<ClusterSpec, "name">,
  options: StepOptions,
): Promise<void> {
  const name = containerName(spec.name);
  const live = await inspectCluster(cli, spec.name, options.signal);
  if (live.state === "absent") {
    options.onOutput(`${name} does not exist; nothing to remove`);
    return;
  }
  if (!live.ownedByRhx || !live.id) throw notOwned(spec.name, "teardown");
  // By id, not name: if the name were taken over between inspect and rm, the foreign one is left alone.
  const removed = await cli.run(["rm", "--force", live.id], {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? RM_TIMEOUT_MS,
    onOutput: options.onOutput,
  });
  const after = await inspectCluster(cli, spec.name);
  if (after.state !== "absent" && after.id === live.id) {
    throw new RhxError({
      code: "RHX_TEARDOWN_FAILED",
      message: `${name} is still there after \`docker rm --force\`: ${removed.exitCode === 0 ? after.detail : daemonReason(removed.stderr)}`,
      hint: `Try \`docker rm -f ${name}\` by hand; \`docker info\` shows whether the engine is healthy.`,
    });
  }
  options.onOutput(`removed ${name}`);
}

/** Prefers bash, like `runhouse ssh` landing in SkyPilot's container; busybox images only have sh. */
const LOGIN_SHELL = "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi";

export async function shell(
  cli: DockerCli,
  spec: Pick<ClusterSpec, "name">,
  command: readonly string[],
): Promise<number> {
  const name = containerName(spec.name);
  const live = await inspectCluster(cli, spec.name);
  if (live.state === "absent") {
    throw new RhxError({
      code: "RHX_CLUSTER_NOT_FOUND",
      message: `${name} does not exist.`,
      hint: `Create it with rhx apply (cluster "${spec.name}").`,
    });
  }
  if (!live.ownedByRhx) throw notOwned(spec.name, "shell");
  if (live.state !== "running") {
    throw new RhxError({
      code: "RHX_CLUSTER_NOT_RUNNING",
      message: `${name} is not running (${live.detail ?? live.state}).`,
      hint: `Bring it back with rhx apply, or remove it with rhx down ${spec.name}.`,
    });
  }
  // -t only with a terminal on both ends: docker refuses -t when stdin is a pipe ("not a TTY").
  const tty = process.stdin.isTTY && process.stdout.isTTY ? ["-t"] : [];
  const argv = command.length > 0 ? [...command] : ["/bin/sh", "-c", LOGIN_SHELL];
  return runAttached(cli.binary, ["exec", "-i", ...tty, name, ...argv], {
    env: { ...cli.env },
    redactor: cli.redactor,
  });
}
