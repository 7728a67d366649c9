/**
 * The docker CLI as the local driver calls it: one resolved binary, every call through `run` (so it is
 * cancellable, bounded and redacted), and an unreachable engine reported the same way everywhere.
 */
import { type RunOptions, type RunResult, resolveProgram, run } from "../exec.ts";

// Callers (pre-flight, tests) find the program the same way the driver does.
export { resolveProgram };

import { classifyDockerError, engineUnreachable } from "./classify.ts";

export interface DockerCli {
  /** The program spawned: an absolute path when found on PATH, so a cluster's `env.PATH` cannot hide it. */
  readonly binary: string;
  /**
   * Runs `docker ARGS`. A non-zero exit is returned, not thrown (callers classify it), except an engine
   * that does not answer, which is thrown as RHX_ENGINE_UNREACHABLE unless `engineErrors` is false (for
   * `docker exec`, whose stderr is the user's command's).
   */
  run(args: readonly string[], options?: DockerRunOptions): Promise<RunResult>;
}

export interface DockerRunOptions extends Omit<RunOptions, "allowFailure"> {
  engineErrors?: boolean;
}

export function createDockerCli(program = "docker"): DockerCli {
  const binary = resolveProgram(program);
  return {
    binary,
    async run(args, options = {}) {
      const { engineErrors = true, ...rest } = options;
      const result = await run(binary, args, { ...rest, allowFailure: true });
      if (result.exitCode !== 0 && engineErrors) {
        const kind = classifyDockerError(result.stderr);
        if (kind === "engine-unreachable" || kind === "engine-permission")
          throw engineUnreachable(result.stderr);
      }
      return result;
    },
  };
}

/** The remaining budget of a step with a deadline, for the next child; undefined when unbounded. */
export function remainingMs(deadline: number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  return Math.max(1, deadline - Date.now());
}
