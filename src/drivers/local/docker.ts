/**
 * The docker CLI as the local driver calls it: one resolved binary, every call through `run` (so it is
 * cancellable, bounded and redacted), and an unreachable engine reported the same way everywhere.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { type RunOptions, type RunResult, run } from "../exec.ts";
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

/** `which`, without spawning anything. Falls back to the bare name so a missing docker is reported by run(). */
export function resolveProgram(program: string, path = process.env.PATH ?? ""): string {
  if (isAbsolute(program) || program.includes("/")) return program;
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return program;
}

/** The remaining budget of a step with a deadline, for the next child; undefined when unbounded. */
export function remainingMs(deadline: number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  return Math.max(1, deadline - Date.now());
}
