/**
 * Teardown and autostop. Both `sky down` and `sky autostop` exit 0 even when they failed for a cluster
 * (docs/skypilot.md, "All of these exit 0"), so rhx reads what they printed and, for a teardown,
 * asks `sky status` whether the cluster is really gone.
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import type { StepOptions } from "../types.ts";
import type { SkyCli } from "./cli.ts";
import { commandFailure, failureError } from "./errors.ts";
import { type Ownership, skyStatus } from "./status.ts";
import { stripAnsi } from "./status-output.ts";

export const DOWN_TIMEOUT_MS = 20 * 60_000;
const AUTOSTOP_TIMEOUT_MS = 5 * 60_000;

export function notOwned(cluster: string, action: "teardown" | "shell" | "autostop"): RhxError {
  const verb = { teardown: "tear it down", shell: "open a shell in it", autostop: "change its autostop" }[
    action
  ];
  return new RhxError({
    code: "RHX_CLUSTER_NOT_OWNED",
    message: `A SkyPilot cluster named ${cluster} exists but rhx has no record of creating it, so rhx will not ${verb}.`,
    hint: `If it is yours to remove, use \`sky down ${cluster}\`; or give the rhx cluster another name.`,
  });
}

export async function skyTeardown(
  cli: SkyCli,
  owned: Ownership,
  spec: Pick<ClusterSpec, "name">,
  options: StepOptions,
): Promise<void> {
  const name = spec.name;
  const live = await skyStatus(cli, name, owned, { signal: options.signal });
  if (live.state === "absent") {
    options.onOutput(`${name} is not in \`sky status\`; nothing to tear down`);
    return;
  }
  if (!live.ownedByRhx) throw notOwned(name, "teardown");
  const result = await cli.run(downArgs(name), {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? DOWN_TIMEOUT_MS,
    onOutput: options.onOutput,
  });
  const failure = commandFailure(result, name);
  // A failure sky could not even try (API server down, usage) is reported as it is.
  if (failure && result.exitCode !== 0) throw failureError(failure, cli.redactor);
  const after = await skyStatus(cli, name, owned, { signal: options.signal });
  if (after.state !== "absent") {
    const reason = /Reason: (.*)/.exec(stripAnsi(result.stdout))?.[1]?.trim();
    throw new RhxError({
      code: "RHX_TEARDOWN_FAILED",
      message: cli.redactor.redact(
        `${name} is still there after \`sky down -y ${name}\` (it is ${after.detail ?? after.state})${reason ? `: ${reason}` : "."}`,
      ),
      hint: `Retry \`rhx down ${name}\`. If its VMs are already gone in the cloud console, \`sky down --purge ${name}\` drops SkyPilot's record; otherwise remove them there.`,
      exitCode: ExitCode.StepFailed,
    });
  }
  options.onOutput(`${name} is torn down`);
}

export function downArgs(cluster: string): string[] {
  return ["down", "-y", cluster];
}

/** `sky autostop -y NAME -i N --down` (Runhouse's down=True), or `--cancel` for -1. */
export function autostopArgs(spec: Pick<ClusterSpec, "name" | "autostop_mins">): string[] {
  return spec.autostop_mins < 0
    ? ["autostop", "-y", spec.name, "--cancel"]
    : ["autostop", "-y", spec.name, "-i", String(spec.autostop_mins), "--down"];
}

export async function skySetAutostop(
  cli: SkyCli,
  owned: Ownership,
  spec: Pick<ClusterSpec, "name" | "autostop_mins">,
  options: StepOptions,
): Promise<void> {
  const result = await cli.run(autostopArgs(spec), {
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? AUTOSTOP_TIMEOUT_MS,
    onOutput: options.onOutput,
  });
  const failure = commandFailure(result, spec.name);
  if (!failure) return;
  if (result.exitCode !== 0) throw failureError(failure, cli.redactor);
  const said =
    stripAnsi(result.stdout)
      .split("\n")
      .find((line) => /skipped for cluster|failed|not found/i.test(line))
      ?.trim() ?? failure.message;
  const live = await skyStatus(cli, spec.name, owned, { signal: options.signal }).catch(() => undefined);
  throw new RhxError({
    code: "RHX_SKY_AUTOSTOP_FAILED",
    message: cli.redactor.redact(`Setting autostop on ${spec.name} failed: ${said}`),
    hint:
      live && live.state !== "running"
        ? `The cluster is ${live.detail ?? live.state}; \`rhx apply --yes\` replaces it.`
        : `Retry \`rhx apply\`; \`sky autostop ${spec.name} -i ${spec.autostop_mins}\` does the same by hand.`,
    exitCode: ExitCode.StepFailed,
  });
}
