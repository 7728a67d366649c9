import { hostname } from "node:os";

/**
 * Files a running rhx owns for a while (a temp state file, a throw-away docker config) carry its pid
 * and host in their names, so a later rhx can tell a crashed owner's leftovers from a live one's.
 */
export function ownerTag(pid = process.pid): string {
  return `${pid}@${safeHost()}`;
}

/** The host name as it may appear in a file name. */
export function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * True only when `pid` names no process on this host. A live process of another user answers EPERM,
 * which is alive; only ESRCH is proof of death. rhx's own pid is never dead.
 */
export function pidIsDead(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
