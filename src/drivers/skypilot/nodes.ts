/**
 * The nodes of a multi-node cluster (`num_nodes` > 1), as SkyPilot exposes them and as Runhouse uses
 * them (docs/skypilot.md, "Multi-node clusters"):
 *
 *  - A `sky exec` job of `num_nodes` nodes runs once on every node; rank 0 is the head
 *    (cloud_vm_ray_backend.py orders the job's IPs by the cluster's own node order, head first) and
 *    SKYPILOT_NODE_IPS lists the job's internal IPs, one a line, head first. A job of fewer nodes may
 *    land on any node (a Ray placement group), so head-only work runs on all nodes and exits at once
 *    on the others.
 *  - SkyPilot's ssh config names the head `NAME` and worker i `NAME-workeri`
 *    (cluster_utils.SSHConfigHelper.add_cluster); for docker clusters each lands in that node's container.
 *
 * Ray workers are started over ssh, as the server is: `ray start` leaves daemons behind, and a job's
 * leftovers are killed when the job ends (sky/skylet/subprocess_daemon.py).
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { workerJoinCommand } from "../../runhouse/workers.ts";
import { describeFailure } from "../exec.ts";
import type { ExecResult, StepOptions } from "../types.ts";
import type { SkyCli } from "./cli.ts";
import { skyExec, sshExec } from "./exec.ts";

/** `NAME-worker1` … `NAME-worker(n-1)`: the ssh hosts of a cluster's workers. */
export function workerHosts(spec: Pick<ClusterSpec, "name" | "num_nodes">): string[] {
  return Array.from({ length: Math.max(0, spec.num_nodes - 1) }, (_, i) => `${spec.name}-worker${i + 1}`);
}

/** Wraps a script so that it runs on the head only, in a job that spans every node. */
export function onHeadOnly(script: string): string {
  return `if [ "\${SKYPILOT_NODE_RANK:-0}" != 0 ]; then exit 0; fi\n${script}`;
}

const HEAD_IP_LINE = "rhx-head-ip: ";

/** Printed by the head of an all-nodes job: the first of SKYPILOT_NODE_IPS. */
export const HEAD_IP_SCRIPT = onHeadOnly(
  `printf '${HEAD_IP_LINE}%s\\n' "$(printf '%s\\n' "$SKYPILOT_NODE_IPS" | head -n 1)"`,
);

/** The head IP from the job's output lines; undefined when it is not a plausible IPv4/IPv6 address. */
export function parseHeadIp(lines: readonly string[]): string | undefined {
  const ip = lines
    .find((line) => line.startsWith(HEAD_IP_LINE))
    ?.slice(HEAD_IP_LINE.length)
    .trim();
  return ip !== undefined && /^[0-9A-Fa-f.:]+$/.test(ip) && /[.:]/.test(ip) ? ip : undefined;
}

/** The head's internal IP, from a job on every node (see the module comment for why every node). */
export async function headInternalIp(
  cli: SkyCli,
  spec: Pick<ClusterSpec, "name" | "env" | "docker" | "num_nodes">,
  options: StepOptions,
): Promise<string> {
  const lines: string[] = [];
  const result = await skyExec(
    cli,
    { ...spec, env: {} },
    HEAD_IP_SCRIPT,
    {
      ...options,
      onOutput: (line) => {
        lines.push(line);
        options.onOutput(line);
      },
    },
    { jobName: "rhx-nodes", numNodes: spec.num_nodes },
  );
  const ip = result.exitCode === 0 ? parseHeadIp(lines) : undefined;
  if (ip === undefined)
    throw new RhxError({
      code: "RHX_SKY_NODES_FAILED",
      message: cli.redactor.redact(
        describeFailure(
          `Could not read the head node's internal IP of ${spec.name} (job exit code ${result.exitCode})`,
          result.tail,
        ),
      ),
      hint: `Check the cluster with \`sky status ${spec.name}\` and \`sky logs ${spec.name}\`.`,
      exitCode: ExitCode.StepFailed,
    });
  return ip;
}

/**
 * After the server (and Runhouse's Ray head) started on the head: every worker joins the head's Ray,
 * in node order, each over ssh to `NAME-workeri` with the config's env. Stops at the first failure.
 */
export async function joinWorkers(
  cli: SkyCli,
  ssh: string,
  spec: Pick<ClusterSpec, "name" | "env" | "docker" | "num_nodes">,
  options: StepOptions,
): Promise<ExecResult> {
  const hosts = workerHosts(spec);
  if (hosts.length === 0) return { exitCode: 0, tail: [] };
  const headIp = await headInternalIp(cli, spec, options);
  const command = workerJoinCommand(headIp);
  for (const host of hosts) {
    options.onOutput(`joining ${host} to the Ray head at ${headIp}`);
    const result = await sshExec(cli, ssh, { name: host, env: spec.env }, command, options);
    if (result.exitCode !== 0)
      throw new RhxError({
        code: "RHX_SKY_WORKER_JOIN_FAILED",
        message: cli.redactor.redact(
          describeFailure(
            `Ray on ${host} did not join the head at ${headIp} (\`ray start\` exited with code ${result.exitCode})`,
            result.tail,
          ),
        ),
        hint: `Look at the worker with \`ssh ${host}\`; the image needs Ray (Runhouse installs it) on every node.`,
        exitCode: ExitCode.StepFailed,
      });
  }
  return { exitCode: 0, tail: [] };
}
