import { join } from "node:path";

/** Layout of the state dir: one JSON file, one lock and one log folder per cluster. */
export function statePaths(stateDir: string, name: string) {
  return {
    state: join(stateDir, "clusters", `${name}.json`),
    lock: join(stateDir, "locks", `${name}.lock`),
    logs: join(stateDir, "logs", name),
  };
}

/**
 * Short-lived private files of running rhx processes on this host (throw-away docker configs). Under
 * the state dir, not TMPDIR: it is private (0700) and swept at every start, so what a crash leaves
 * there does not outlive the next rhx.
 */
export function runDir(stateDir: string, host: string): string {
  return join(stateDir, "run", host);
}

export function keyPath(stateDir: string): string {
  return join(stateDir, "fingerprint.key");
}
