import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pidIsDead, safeHost } from "./owner.ts";
import { runDir } from "./paths.ts";

/** `<file>.<pid>@<host>.<hex>.tmp`: a temp file of writeFileAtomic. */
const ATOMIC_TEMP = /\.(\d+)@(.+)\.[0-9a-f]{8}\.tmp$/;
/** `docker-config-<pid>-<random>`: a throw-away docker config (holds a registry login). */
const DOCKER_CONFIG = /^docker-config-(\d+)-/;

/**
 * Removes what rhx processes that died without cleaning up (kill -9, a crash, power loss) left in the
 * state dir: half-written state files and throw-away docker configs, whose config.json holds a
 * registry password. Only leftovers of dead processes on this host: a live rhx's files are its own,
 * and a pid from another host (a shared home directory) says nothing here. Best effort: a sweep that
 * cannot read a directory never stops the command. Returns what was removed.
 */
export async function sweepLeftovers(stateDir: string): Promise<string[]> {
  const host = safeHost();
  const removed: string[] = [];
  const sweep = async (dir: string, owner: (name: string) => number | undefined) => {
    for (const name of await list(dir)) {
      const pid = owner(name);
      if (pid === undefined || !pidIsDead(pid)) continue;
      const path = join(dir, name);
      try {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Another rhx swept it first, or it is not ours to remove: either way nothing to report.
      }
    }
  };
  const atomicTemp = (name: string) => {
    const match = ATOMIC_TEMP.exec(name);
    return match && match[2] === host ? Number(match[1]) : undefined;
  };
  await sweep(stateDir, atomicTemp);
  await sweep(join(stateDir, "clusters"), atomicTemp);
  await sweep(runDir(stateDir, host), (name) => {
    const match = DOCKER_CONFIG.exec(name);
    return match ? Number(match[1]) : undefined;
  });
  return removed;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
