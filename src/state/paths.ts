import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";

/** $RHX_STATE_DIR, else $XDG_STATE_HOME/rhx, else ~/.local/state/rhx. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.RHX_STATE_DIR) return resolve(env.RHX_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "rhx");
  return join(homedir(), ".local", "state", "rhx");
}

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

/**
 * The state dir exists but this user may not read or write it (permissions, a read-only file
 * system). Not a mistake in the command or the file, so not a usage error: exit 1, and the hint
 * says how to fix the directory or pick another one.
 */
export function stateDirError(stateDir: string, error: unknown): RhxError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? "unknown";
  const why =
    code === "EROFS"
      ? "it is on a read-only file system"
      : code === "ENOTDIR" || code === "EEXIST"
        ? "a part of its path is a file, not a directory"
        : code === "ENOSPC"
          ? "the disk is full"
          : "this user may not create, read or write it";
  return new RhxError({
    code: "RHX_STATE_DIR_UNUSABLE",
    message: `rhx cannot use its state directory ${stateDir}: ${why} (${code}).`,
    hint: "rhx keeps state, locks and logs there. Make it readable and writable by this user, or point --state-dir (or RHX_STATE_DIR) at a directory that is.",
    exitCode: ExitCode.StepFailed,
    cause: error,
  });
}
