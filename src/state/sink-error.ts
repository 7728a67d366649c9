import type { ErrorCode } from "../errors/codes.ts";
import { RhxError } from "../errors/rhx-error.ts";

/**
 * A file rhx must write (state, lock, key, run log) cannot be: a clear error with its own code and
 * the likely fix, instead of a bare errno (or, from a stream, an unhandled 'error' event that kills
 * the process with a stack trace and leaves the lock behind).
 */
export function sinkError(code: ErrorCode, what: string, path: string, error: unknown): RhxError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code ?? "error";
  return new RhxError({
    code,
    message: `${what} cannot be written to ${path} (${errno}).`,
    hint: HINTS[errno] ?? DEFAULT_HINT,
    cause: error,
  });
}

const DEFAULT_HINT =
  "Check that the state dir is a writable directory, or use another one with --state-dir or RHX_STATE_DIR.";

const HINTS: Readonly<Record<string, string>> = {
  EACCES: `This user may not write there. ${DEFAULT_HINT}`,
  EPERM: `This user may not write there. ${DEFAULT_HINT}`,
  ENOTDIR: `A file stands where a directory should be; move it away. ${DEFAULT_HINT}`,
  EEXIST: `A file stands where a directory should be; move it away. ${DEFAULT_HINT}`,
  EISDIR: `A directory stands where a file should be; move it away. ${DEFAULT_HINT}`,
  ENOSPC: "The disk is full: free some space, or use another state dir with --state-dir or RHX_STATE_DIR.",
  EDQUOT: "The disk quota is used up: free some space, or use another state dir with --state-dir.",
  EROFS: "The file system is read-only: use another state dir with --state-dir or RHX_STATE_DIR.",
};
