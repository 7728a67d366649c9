/**
 * Launch as SkyPilot's DockerInitializer does on a VM (docs/skypilot.md): log in, pull, and run the
 * image as a long-lived container with host networking whatever its ENTRYPOINT. Differences, on purpose:
 * the password goes on stdin (SkyPilot puts it on argv), and the login lives in a throw-away config.
 */
import type { ClusterSpec, DockerCredentials } from "../../config/cluster.ts";
import type { ErrorCode } from "../../errors/codes.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { resolveImage } from "../../image/reference.ts";
import { timedOut } from "../exec.ts";
import type { LiveCluster, StepOptions } from "../types.ts";
import { loginError, pullError, runError } from "./classify.ts";
import { type DockerCli, remainingMs } from "./docker.ts";
import { withThrowawayDockerConfig } from "./docker-config.ts";
import {
  CLUSTER_LABEL,
  containerName,
  KEEP_ALIVE_SCRIPT,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from "./names.ts";
import { inspectCluster } from "./status.ts";
import { notOwned } from "./teardown.ts";

export async function launch(
  cli: DockerCli,
  spec: ClusterSpec,
  options: StepOptions,
  /** Where throw-away docker configs go (see docker-config.ts). */
  runDir?: string,
): Promise<LiveCluster> {
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  const step = (extra: object = {}) => ({
    signal: options.signal,
    timeoutMs: remainingMs(deadline),
    ...extra,
  });
  const image = pulledImage(spec);
  const name = containerName(spec.name);

  const existing = await inspectCluster(cli, spec.name, options.signal);
  if (existing.state !== "absent") return reuse(cli, spec, existing, image, options);

  try {
    await withThrowawayDockerConfig(
      cli,
      options.signal,
      async (env) => {
        if (spec.docker) await login(cli, spec.docker, { ...step(), env });
        // With credentials, always pull (SkyPilot does: a moved tag must be seen). Without, there is no
        // registry to ask on an offline machine, so a local image is used as it is.
        if (spec.docker || !(await imagePresent(cli, image, step()))) {
          const pulled = await cli.run(["pull", "--platform", spec.platform, image], {
            ...step({ env, onOutput: options.onOutput }),
          });
          if (pulled.exitCode !== 0) throw pullError(pulled.stderr, image, spec.docker, cli.redactor);
        }
      },
      runDir,
    );
    const started = await cli.run(
      [
        "run",
        "--detach",
        "--name",
        name,
        "--label",
        `${CLUSTER_LABEL}=${spec.name}`,
        "--label",
        `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
        "--net=host",
        "--pull=never",
        "-e",
        "LC_ALL=C.UTF-8",
        "-e",
        "LANG=C.UTF-8",
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        KEEP_ALIVE_SCRIPT,
      ],
      step({ onOutput: options.onOutput }),
    );
    if (started.exitCode !== 0) throw runError(started.stderr, image, cli.redactor);
    const live = await inspectCluster(cli, spec.name, options.signal);
    if (live.state !== "running") {
      throw new RhxError({
        code: "RHX_LAUNCH_FAILED",
        message: `The container ${name} stopped right after it started (${live.detail ?? live.state}).`,
        hint: `Its output: docker logs ${name}`,
      });
    }
    return live;
  } catch (error) {
    await removeHalfStarted(cli, spec.name);
    if (isCode(error, "RHX_STEP_TIMEOUT") && options.timeoutMs !== undefined) {
      throw timedOut(`launching ${name}`, options.timeoutMs, [], cli.redactor);
    }
    throw error;
  }
}

/** The name SkyPilot would pull: the login server in front unless the image already starts with it. */
export function pulledImage(spec: Pick<ClusterSpec, "image_id" | "docker">): string {
  const resolved = resolveImage(spec.image_id, spec.docker?.server);
  if (!resolved.ok) {
    throw new RhxError({
      code: resolved.code,
      message: resolved.message,
      hint: resolved.hint,
      exitCode: ExitCode.StepFailed,
    });
  }
  return resolved.value.pulled;
}

async function login(cli: DockerCli, credentials: DockerCredentials, options: object): Promise<void> {
  // The loader registers it already; registering here too keeps this function safe on its own.
  cli.redactor.register(credentials.password);
  const result = await cli.run(
    ["login", "--username", credentials.username, "--password-stdin", credentials.server],
    { ...options, input: credentials.password },
  );
  if (result.exitCode !== 0) throw loginError(result.stderr, credentials, cli.redactor);
}

async function imagePresent(cli: DockerCli, image: string, options: object): Promise<boolean> {
  const result = await cli.run(["image", "inspect", "--format", "{{.Id}}", image], options);
  return result.exitCode === 0;
}

/**
 * A container of ours is already there (a launch recorded as failed, or state lost). Like SkyPilot: a
 * stopped one is started again without login or pull; a running one with the same image is adopted.
 * Anything else needs a teardown first, which is the caller's decision (a replace), not ours.
 */
async function reuse(
  cli: DockerCli,
  spec: ClusterSpec,
  existing: LiveCluster,
  image: string,
  options: StepOptions,
): Promise<LiveCluster> {
  const name = containerName(spec.name);
  if (!existing.ownedByRhx) throw notOwned(spec.name, "launch");
  if (existing.image !== image) {
    throw new RhxError({
      code: "RHX_LAUNCH_EXISTS",
      message: `${name} already exists and runs ${existing.image ?? "another image"}, not ${image}.`,
      hint: `Tear it down first: rhx down ${spec.name}`,
    });
  }
  if (existing.state === "running") {
    options.onOutput(`${name} is already running ${image}; using it`);
    return existing;
  }
  const started = await cli.run(["start", existing.id ?? name], {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  if (started.exitCode !== 0) throw runError(started.stderr, image, cli.redactor);
  options.onOutput(`started the existing container ${name}`);
  return inspectCluster(cli, spec.name, options.signal);
}

/** A failed or cancelled launch leaves nothing behind (README, "Security": never a half-done launch). */
async function removeHalfStarted(cli: DockerCli, cluster: string): Promise<void> {
  try {
    const live = await inspectCluster(cli, cluster);
    if (live.state !== "absent" && live.ownedByRhx && live.id) {
      await cli.run(["rm", "--force", live.id], { timeoutMs: 30_000 });
    }
  } catch {
    // Best effort: the original error is the one worth reporting; `rhx status` shows any leftover.
  }
}

function isCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof RhxError && error.code === code;
}
