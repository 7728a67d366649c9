/**
 * Live truth for one cluster: a single `docker inspect` of `rhx-<name>`. Ownership comes from the
 * container's label, never from the name alone, so a look-alike container is reported but never touched.
 */
import { RhxError } from "../../errors/rhx-error.ts";
import type { LiveCluster } from "../types.ts";
import { daemonReason } from "./classify.ts";
import type { DockerCli } from "./docker.ts";
import { CLUSTER_LABEL, containerName } from "./names.ts";

interface InspectedContainer {
  Id?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  State?: { Status?: string; StartedAt?: string; FinishedAt?: string; ExitCode?: number };
}

const INSPECT_TIMEOUT_MS = 30_000;

export async function inspectCluster(
  cli: DockerCli,
  cluster: string,
  signal?: AbortSignal,
): Promise<LiveCluster> {
  const name = containerName(cluster);
  const result = await cli.run(["inspect", "--type", "container", "--format", "{{json .}}", name], {
    signal,
    timeoutMs: INSPECT_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    if (/no such (container|object)/i.test(result.stderr)) return { state: "absent", ownedByRhx: false };
    throw new RhxError({
      code: "RHX_ENGINE_ERROR",
      message: `\`docker inspect ${name}\` failed: ${daemonReason(result.stderr)}`,
    });
  }
  return toLiveCluster(JSON.parse(result.stdout) as InspectedContainer, cluster);
}

export function toLiveCluster(container: InspectedContainer, cluster: string, now = Date.now()): LiveCluster {
  const status = container.State?.Status ?? "unknown";
  const labels = container.Config?.Labels ?? {};
  return {
    state: mapState(status),
    id: container.Id,
    image: container.Config?.Image,
    ownedByRhx: labels[CLUSTER_LABEL] === cluster,
    detail: describeState(container.State ?? {}, now),
  };
}

/** Docker's states folded into the driver's four: only `running` is usable. */
function mapState(status: string): LiveCluster["state"] {
  switch (status) {
    case "running":
      return "running";
    case "created":
    case "restarting":
      return "init";
    default:
      return "stopped"; // exited, paused, dead, removing
  }
}

function describeState(state: NonNullable<InspectedContainer["State"]>, now: number): string {
  const status = state.Status ?? "unknown";
  if (status === "running") return `Up ${since(state.StartedAt, now)}`.trim();
  if (status === "exited") {
    const ago = since(state.FinishedAt, now);
    return `Exited (${state.ExitCode ?? "?"})${ago === "" ? "" : ` ${ago} ago`}`;
  }
  return status[0]?.toUpperCase() + status.slice(1);
}

function since(iso: string | undefined, now: number): string {
  const then = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(then) || then <= 0) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${Math.round(hours / 24)} days`;
}
