import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { relative } from "node:path";
import { stateDirError } from "../state/paths.ts";

/**
 * Called by the commands that keep state (plan, apply, down) once the configuration is valid:
 * a state dir this user cannot read or write is said plainly before any work, instead of surfacing
 * as an errno from deep inside the fingerprint key, a lock or a state write.
 */
export async function checkStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await access(stateDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw stateDirError(stateDir, error);
  }
}

/** A file-system error about a path inside the state dir, however deep it was raised. */
export function isInStateDir(error: unknown, stateDir: string): boolean {
  const path = (error as NodeJS.ErrnoException | null)?.path;
  if (typeof path !== "string") return false;
  const rel = relative(stateDir, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
}
