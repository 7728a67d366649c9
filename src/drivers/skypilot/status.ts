/**
 * Live truth for one cluster: a single `sky status NAME` (`-o json` on ≥0.12, the table before).
 *
 * Ownership: SkyPilot has nothing like a container label that survives on every version (the task's
 * YAML is only visible in verbose JSON on ≥0.12). So a SkyPilot cluster counts as rhx's when rhx's own
 * state dir records it: the pipeline writes `clusters/<name>.json` (driver `skypilot`) before it runs
 * `sky launch`, and `rhx down` deletes it only after the cluster is gone. A cluster of that name that
 * someone made with `sky launch` by hand has no such record, so it is reported and never touched.
 */
import { readFile } from "node:fs/promises";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { statePaths } from "../../state/paths.ts";
import { describeFailure } from "../exec.ts";
import type { LiveCluster } from "../types.ts";
import type { SkyCli } from "./cli.ts";
import { throwIfFailed } from "./errors.ts";
import { parseStatusJson, parseStatusTable, type SkyClusterStatus, SkyOutputError } from "./status-output.ts";
import type { SkyFeatures } from "./version.ts";

/** Whether rhx made the cluster of this name (see above). */
export type Ownership = (cluster: string) => Promise<boolean>;

export const STATUS_TIMEOUT_MS = 120_000;

export function stateDirOwnership(stateDir: string): Ownership {
  return async (cluster) => {
    let text: string;
    try {
      text = await readFile(statePaths(stateDir, cluster).state, "utf8");
    } catch {
      return false;
    }
    try {
      return (JSON.parse(text) as { driver?: unknown } | null)?.driver === "skypilot";
    } catch {
      // A damaged record is still rhx's record; the pipeline reports the damage itself.
      return true;
    }
  };
}

export async function skyStatus(
  cli: SkyCli,
  cluster: string,
  owned: Ownership,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<LiveCluster> {
  const record = await findCluster(cli, cluster, options);
  if (!record) return { state: "absent", ownedByRhx: false };
  return toLiveCluster(record, await owned(cluster));
}

/** The cluster's record in `sky status`, or undefined when SkyPilot has none by that name. */
export async function findCluster(
  cli: SkyCli,
  cluster: string,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<SkyClusterStatus | undefined> {
  const { features } = await cli.probe(options.signal);
  const args = statusArgs(features, cluster);
  const result = await cli.run(args, {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? STATUS_TIMEOUT_MS,
  });
  throwIfFailed(result, cli.redactor, cluster);
  let clusters: SkyClusterStatus[];
  try {
    clusters = features.jsonOutput ? parseStatusJson(result.stdout) : parseStatusTable(result.stdout);
  } catch (error) {
    if (!(error instanceof SkyOutputError)) throw error;
    throw new RhxError({
      code: "RHX_SKY_OUTPUT",
      message: describeFailure(`\`${result.command}\` printed something rhx cannot read (${error.message})`, [
        ...result.tail,
      ]),
      hint: "Check `sky --version` against the versions rhx supports (docs/skypilot.md).",
      exitCode: ExitCode.StepFailed,
    });
  }
  return clusters.find((c) => c.name === cluster);
}

/** `sky status [-o json] NAME`: JSON where `sky status --help` lists `--output`, the table otherwise. */
export function statusArgs(features: Pick<SkyFeatures, "jsonOutput">, cluster: string): string[] {
  return features.jsonOutput ? ["status", "-o", "json", cluster] : ["status", cluster];
}

export function toLiveCluster(record: SkyClusterStatus, ownedByRhx: boolean): LiveCluster {
  return {
    state: mapState(record.status),
    id: record.clusterHash,
    image: imageOf(record.resources),
    ownedByRhx,
    autostopMins: record.autostop,
    detail: describe(record),
  };
}

/** SkyPilot's statuses folded into the driver's four: only UP is usable. */
function mapState(status: SkyClusterStatus["status"]): LiveCluster["state"] {
  switch (status) {
    case "UP":
      return "running";
    case "INIT":
    case "PENDING":
      return "init";
    case "STOPPED":
    case "AUTOSTOPPING":
      return "stopped";
  }
}

/** `…, image_id=docker:x, …` (≥0.10 full string) or `image_id={'us-east-1': 'docker:x'}` (older). */
function imageOf(resources: string | undefined): string | undefined {
  const match = /image_id=(?:\{'[^']*': ')?docker:([^',)\s}]+)/.exec(resources ?? "");
  // The table truncates long cells ("…/team/a..."): a cut-off name is no name.
  const image = match?.[1];
  return image === undefined || image.endsWith("...") ? undefined : image;
}

function describe(record: SkyClusterStatus): string {
  const parts: string[] = [record.status];
  if (record.infra) parts.push(`on ${record.infra}`);
  if (record.autostop !== undefined)
    parts.push(`auto${record.autodown ? "down" : "stop"} after ${record.autostop} min idle`);
  else if (record.autodown) parts.push("autodown when idle");
  return parts.join(", ");
}
