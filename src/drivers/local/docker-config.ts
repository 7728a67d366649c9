/**
 * A throw-away DOCKER_CONFIG for login and pull: the registry login lands in a private dir that is
 * deleted afterwards, never in ~/.docker/config.json, and the user's own logins are not used — a
 * cloud VM would not have them either. Its config.json holds the password (base64), so the dir lives
 * where a crash cannot strand it: in the state dir's run/ folder (0700), named after this process so
 * that the next rhx removes it once this pid is dead (state/sweep.ts).
 */
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { Environment } from "../types.ts";
import type { DockerCli } from "./docker.ts";

/** The user's docker config dir, as the docker CLI finds it in the run's environment. */
export function userDockerConfigDir(env: Environment): string {
  return env.DOCKER_CONFIG ?? join(homedir(), ".docker");
}

export async function withThrowawayDockerConfig<T>(
  cli: DockerCli,
  signal: AbortSignal | undefined,
  body: (env: Record<string, string>) => Promise<T>,
  /** Where the dir is made; the OS temp dir only for callers without a state dir (driver tests). */
  parent: string = tmpdir(),
): Promise<T> {
  // Resolved before DOCKER_CONFIG moves: the context (Docker Desktop, colima, rootless) lives in the
  // user's config dir, and without it the throw-away config would talk to a different engine.
  const host = await contextHost(cli, signal);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  // The pid in the name is what the sweep reads (DOCKER_CONFIG in state/sweep.ts).
  const dir = await mkdtemp(join(parent, `docker-config-${process.pid}-`));
  try {
    await chmod(dir, 0o700);
    return await body({ DOCKER_CONFIG: dir, ...(host === undefined ? {} : { DOCKER_HOST: host }) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** DOCKER_HOST of the user's current context, when it is not the default one; otherwise undefined. */
async function contextHost(cli: DockerCli, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (cli.env.DOCKER_HOST) return undefined;
  let context = cli.env.DOCKER_CONTEXT;
  if (!context) {
    try {
      const config = JSON.parse(
        await readFile(join(userDockerConfigDir(cli.env), "config.json"), "utf8"),
      ) as {
        currentContext?: string;
      };
      context = config.currentContext;
    } catch {
      return undefined; // no config file: the default context
    }
  }
  if (!context || context === "default") return undefined;
  const result = await cli.run(["context", "inspect", "--format", "{{.Endpoints.docker.Host}}", context], {
    signal,
    timeoutMs: 10_000,
  });
  const host = result.stdout.trim();
  return result.exitCode === 0 && host !== "" ? host : undefined;
}
