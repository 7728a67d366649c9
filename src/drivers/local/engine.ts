/**
 * Pre-flight: does a Docker engine answer? `docker version` needs the daemon for its Server part, so a
 * short timeout turns a hung socket into a finding instead of a stalled `rhx check`.
 */
import { isRhxError } from "../../errors/rhx-error.ts";
import { classifyDockerError, daemonReason } from "./classify.ts";
import type { DockerCli } from "./docker.ts";

export type EngineCheck =
  | { ok: true; clientVersion: string; serverVersion: string }
  | { ok: false; code: "RHX_ENGINE_UNREACHABLE" | "RHX_DOCKER_NOT_FOUND"; message: string; hint: string };

export const ENGINE_TIMEOUT_MS = 5_000;

export async function engineReachable(
  cli: DockerCli,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<EngineCheck> {
  const timeoutMs = options.timeoutMs ?? ENGINE_TIMEOUT_MS;
  try {
    const result = await cli.run(["version", "--format", "{{.Client.Version}} {{.Server.Version}}"], {
      timeoutMs,
      signal: options.signal,
      engineErrors: false,
    });
    const [clientVersion = "", serverVersion = ""] = result.stdout.trim().split(/\s+/);
    if (result.exitCode === 0 && serverVersion !== "") return { ok: true, clientVersion, serverVersion };
    const permission = classifyDockerError(result.stderr) === "engine-permission";
    return {
      ok: false,
      code: "RHX_ENGINE_UNREACHABLE",
      message: `The Docker engine is not reachable: ${daemonReason(result.stderr)}`,
      hint: permission
        ? "Add the user to the docker group (then log in again), or run rhx as a user that may use Docker."
        : "Start the engine (dockerd, or Docker Desktop) and check DOCKER_HOST / `docker context`.",
    };
  } catch (error) {
    const code = isRhxError(error) ? error.code : undefined;
    if (code === "RHX_COMMAND_NOT_FOUND") {
      return {
        ok: false,
        code: "RHX_DOCKER_NOT_FOUND",
        message: "The docker command was not found on PATH.",
        hint: "Install Docker (docker.io on Debian/Ubuntu, Docker Desktop elsewhere).",
      };
    }
    return {
      ok: false,
      code: "RHX_ENGINE_UNREACHABLE",
      message:
        code === "RHX_STEP_TIMEOUT"
          ? `The Docker engine did not answer within ${timeoutMs / 1000}s.`
          : `The Docker engine could not be asked: ${cli.redactor.redact((error as Error).message)}`,
      hint: "Check that dockerd is running and healthy (`docker info`).",
    };
  }
}
