import { join } from "node:path";

/** Layout of the state dir: one JSON file, one lock and one log folder per cluster. */
export function statePaths(stateDir: string, name: string) {
  return {
    state: join(stateDir, "clusters", `${name}.json`),
    lock: join(stateDir, "locks", `${name}.lock`),
    logs: join(stateDir, "logs", name),
  };
}

export function keyPath(stateDir: string): string {
  return join(stateDir, "fingerprint.key");
}
