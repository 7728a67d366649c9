/**
 * `sky launch -y -c NAME -d [--env K|--secret K …] [-i N --down] [passthrough] TASK.yaml`, its output
 * streamed line by line (redacted: SkyPilot before ≈0.12 prints the docker password in a failed
 * login's CommandError), its failures classified.
 *
 * Stopping a launch: from 0.9 `sky` is a client of an API server, and killing it leaves the request
 * provisioning on the server. So after a cancel or a timeout rhx cancels the request itself — the id
 * `sky` printed on SIGINT, else the cluster's active `sky.launch` request from `sky api status -v` —
 * and then says what may still exist and how to tear it down (see cancelRequest).
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import type { ErrorCode } from "../../errors/codes.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../../errors/rhx-error.ts";
import { CommandError, type RunResult } from "../exec.ts";
import type { LiveCluster, StepOptions } from "../types.ts";
import type { SkyCli, SkyInfo } from "./cli.ts";
import { commandFailure, failureError } from "./errors.ts";
import { type Ownership, skyStatus } from "./status.ts";
import { stripAnsi } from "./status-output.ts";
import { withTaskFile } from "./task-file.ts";
import { launchTask, taskYaml } from "./task-yaml.ts";

/** Follow-up calls after a stop run on their own clock: the step's signal has already fired. */
const FOLLOW_UP_TIMEOUT_MS = 60_000;

/** The command line and task rhx runs for a launch (also what the golden files record). */
export function launchCommand(
  spec: ClusterSpec,
  info: SkyInfo,
  taskPath: string,
): { args: string[]; yaml: string; env: Record<string, string> } {
  const built = launchTask(spec, info.features);
  const yaml = taskYaml(
    built.task,
    `SkyPilot task for the rhx cluster ${spec.name} (SkyPilot ${info.version.raw}).\nVariables are named here; their values reach sky only through its environment.`,
  );
  return { args: ["launch", "-y", "-c", spec.name, "-d", ...built.flags, taskPath], yaml, env: built.env };
}

export async function skyLaunch(
  cli: SkyCli,
  owned: Ownership,
  spec: ClusterSpec,
  options: StepOptions,
): Promise<LiveCluster> {
  const info = await cli.probe(options.signal);
  // The loader registers it already; registering here too keeps this function safe on its own.
  if (spec.docker) cli.redactor.register(spec.docker.password);
  const recent: string[] = [];
  const onOutput = (line: string) => {
    recent.push(line);
    if (recent.length > 200) recent.shift();
    options.onOutput(line);
  };
  const { yaml } = launchCommand(spec, info, "");
  return withTaskFile(spec.name, yaml, async (path) => {
    const { args, env } = launchCommand(spec, info, path);
    let result: RunResult;
    try {
      result = await cli.run(args, { signal: options.signal, timeoutMs: options.timeoutMs, env, onOutput });
    } catch (error) {
      // Cancelled by rhx, or `sky` itself killed by a signal (a terminal's Ctrl-C reaches it too).
      if (
        isCode(error, "RHX_CANCELLED") ||
        (error instanceof CommandError && error.commandExitCode === undefined)
      )
        throw await stopped(cli, owned, spec.name, info, recent, { kind: "cancel" });
      if (isCode(error, "RHX_STEP_TIMEOUT"))
        throw await stopped(cli, owned, spec.name, info, recent, {
          kind: "timeout",
          timeoutMs: options.timeoutMs ?? 0,
        });
      throw error;
    }
    // A terminal's Ctrl-C reaches `sky` too, which may exit 130 before rhx's own cancel lands.
    if (options.signal.aborted || result.exitCode === 130)
      throw await stopped(cli, owned, spec.name, info, recent, { kind: "cancel" });
    const failure = commandFailure(result, spec.name);
    if (failure) {
      if (failure.code === "RHX_SKY_DOCKER_LOGIN" && spec.docker?.password === "")
        failure.hint = `The password is empty, so SkyPilot logs in with the VM's own identity: that needs SkyPilot ≥0.11 for ECR or ≥0.10 for Artifact Registry (this is ${info.version.raw}) and an instance role or service account allowed to pull. Upgrade SkyPilot or set SKYPILOT_DOCKER_PASSWORD, then \`rhx apply --yes\`.`;
      throw failureError(failure, cli.redactor);
    }
    const live = await skyStatus(cli, spec.name, owned, { signal: options.signal });
    if (live.state !== "running") {
      throw new RhxError({
        code: "RHX_LAUNCH_FAILED",
        message: `\`sky launch\` finished, but ${spec.name} is ${live.state === "absent" ? "not in `sky status`" : (live.detail ?? live.state)}.`,
        hint: `See \`sky logs --provision ${spec.name}\`; \`rhx down ${spec.name}\` removes what is left.`,
      });
    }
    return live;
  });
}

type Stop = { kind: "cancel" } | { kind: "timeout"; timeoutMs: number };

/** Cancels what the server still runs for this launch, then says what is left and how to remove it. */
async function stopped(
  cli: SkyCli,
  owned: Ownership,
  cluster: string,
  info: SkyInfo,
  recent: readonly string[],
  stop: Stop,
): Promise<RhxError> {
  const { notes, mayStillRun } = await cancelRequest(cli, cluster, info, recent);
  const live = await skyStatus(cli, cluster, owned, { timeoutMs: FOLLOW_UP_TIMEOUT_MS }).catch(
    () => undefined,
  );
  const teardown = `rhx down ${cluster} (or sky down -y ${cluster})`;
  const left =
    live === undefined
      ? `VMs may already have been created for ${cluster} and be billed; check \`sky status ${cluster}\` and tear it down with: ${teardown}`
      : live.state === "absent"
        ? mayStillRun
          ? `${cluster} is not in \`sky status\` yet, but the launch may still create it: once it is cancelled, check \`sky status ${cluster}\` and tear down what is there with: ${teardown}`
          : `Nothing of ${cluster} is left in SkyPilot.`
        : `${cluster} exists in SkyPilot (${live.detail ?? live.state}): its VMs may be running and billed. Tear it down with: ${teardown}`;
  const what =
    stop.kind === "cancel"
      ? `The launch of ${cluster} was cancelled`
      : `\`sky launch\` of ${cluster} did not finish within ${Math.round(stop.timeoutMs / 1000)}s and was stopped`;
  return new RhxError({
    code: stop.kind === "cancel" ? "RHX_CANCELLED" : "RHX_STEP_TIMEOUT",
    message: cli.redactor.redact(`${what}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}. ${left}`),
    hint:
      stop.kind === "timeout"
        ? "Raise --step-timeout if provisioning needs longer; `rhx apply` again replaces what is left."
        : `\`rhx apply\` again replaces what is left; \`rhx down ${cluster}\` removes it.`,
    exitCode: stop.kind === "cancel" ? ExitCode.Interrupted : ExitCode.StepFailed,
  });
}

/**
 * What stopping `sky` leaves behind, per version (docs/skypilot.md): with an API server the launch
 * goes on there until `sky api cancel ID` (never `-y`: only `--all` prompts, and `-y` is a usage error
 * before 0.11); without one (0.8.0) the launch ran inside the killed `sky`, so it stopped with it.
 */
export async function cancelRequest(
  cli: SkyCli,
  cluster: string,
  info: SkyInfo,
  recent: readonly string[],
): Promise<{ notes: string[]; mayStillRun: boolean }> {
  if (!info.features.apiServer)
    return {
      notes: [
        `SkyPilot ${info.version.raw} runs a launch inside the \`sky\` process (it has no \`sky api cancel\`), so stopping it stopped the launch`,
      ],
      mayStillRun: false,
    };
  const printed = recent
    .map((line) => /sky api cancel ([0-9a-f][-0-9a-f]*)/i.exec(stripAnsi(line))?.[1])
    .filter((id): id is string => id !== undefined)
    .at(-1);
  const ids = printed ? [printed] : await activeLaunchRequests(cli, cluster);
  if (ids === undefined)
    return {
      notes: [
        `the launch may still be running on SkyPilot's API server (\`sky api status -v\` did not answer): find its id there and run \`sky api cancel ID\``,
      ],
      mayStillRun: true,
    };
  if (ids.length === 0)
    return { notes: ["SkyPilot had no launch request for it still running"], mayStillRun: false };
  const cancel = await cli
    .run(apiCancelArgs(ids), { timeoutMs: FOLLOW_UP_TIMEOUT_MS })
    .catch(() => undefined);
  return cancel?.exitCode === 0
    ? { notes: [`SkyPilot's launch request ${ids.join(", ")} was cancelled`], mayStillRun: false }
    : {
        notes: [
          `cancelling SkyPilot's launch request failed, so the launch may still be running: run \`sky api cancel ${ids.join(" ")}\``,
        ],
        mayStillRun: true,
      };
}

/** `sky api cancel ID…`: no `-y`, which only `--all` needs and which is a usage error before 0.11. */
export function apiCancelArgs(ids: readonly string[]): string[] {
  return ["api", "cancel", ...ids];
}

/** `-v` adds the Cluster column (every version with `sky api`). */
export const API_STATUS_ARGS = ["api", "status", "-v"];

/** Ids of the active `sky.launch` requests for `cluster` (`sky api status -v` has a Cluster column). */
export async function activeLaunchRequests(cli: SkyCli, cluster: string): Promise<string[] | undefined> {
  const result = await cli.run(API_STATUS_ARGS, { timeoutMs: FOLLOW_UP_TIMEOUT_MS }).catch(() => undefined);
  if (result?.exitCode !== 0) return undefined;
  return parseRequestTable(result.stdout)
    .filter(
      (r) => r.name === "sky.launch" && r.cluster === cluster && /^(PENDING|RUNNING)$/.test(r.status ?? ""),
    )
    .map((r) => r.id);
}

export interface RequestRow {
  id: string;
  name: string | undefined;
  cluster: string | undefined;
  status: string | undefined;
}

/** `sky api status -v`: a borderless prettytable `ID User Name Cluster Created Status`. Pure. */
export function parseRequestTable(stdout: string): RequestRow[] {
  const lines = stripAnsi(stdout).split(/\r?\n/);
  const headerAt = lines.findIndex((line) => /^ID\s/.test(line) && /\bStatus\b/.test(line));
  if (headerAt === -1) return [];
  const columns = [...(lines[headerAt] ?? "").matchAll(/\S+/g)].map((m) => ({ name: m[0], start: m.index }));
  const cell = (line: string, name: string) => {
    const index = columns.findIndex((c) => c.name === name);
    const column = columns[index];
    if (!column) return undefined;
    return line.slice(column.start, columns[index + 1]?.start ?? line.length).trim() || undefined;
  };
  const rows: RequestRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === "") break;
    const id = cell(line, "ID");
    if (!id || id === "-") continue;
    rows.push({ id, name: cell(line, "Name"), cluster: cell(line, "Cluster"), status: cell(line, "Status") });
  }
  return rows;
}

function isCode(error: unknown, code: ErrorCode): boolean {
  return isRhxError(error) && error.code === code;
}
