import { lstat, readlink, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";

/**
 * A file rhx writes where the command line says (`rhx init FILE`, `plan --out FILE`). Checked before
 * anything is written, so the user hears what is wrong with the path, not an errno:
 * - the path itself cannot be what is written (its directory does not exist, it is a directory, a
 *   dangling link): the command line is wrong → exit 64, and rhx creates no directories on its own;
 * - the path is right but the system refuses the write (permissions, a read-only file system, a full
 *   disk): nothing to change in the command → exit 1 (`writeFailed`).
 */
export async function checkOutputPath(
  path: string,
  shown: string,
  flag: string,
  example: string,
): Promise<void> {
  const dir = dirname(path);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat)
    throw new RhxError({
      code: "RHX_OUTPUT_DIR_MISSING",
      message: `Cannot write ${shown}: the directory ${dirname(shown)} does not exist.`,
      hint: `rhx creates no directories for ${flag}; create it first (mkdir -p ${dirname(shown)}) or pick a path in an existing directory.`,
      exitCode: ExitCode.Usage,
    });
  if (!dirStat.isDirectory())
    throw new RhxError({
      code: "RHX_OUTPUT_DIR_MISSING",
      message: `Cannot write ${shown}: ${dirname(shown)} is not a directory.`,
      hint: `Pick a path in an existing directory for ${flag}.`,
      exitCode: ExitCode.Usage,
    });
  const own = await lstat(path).catch(() => undefined);
  if (own?.isSymbolicLink() && !(await stat(path).catch(() => undefined)))
    throw new RhxError({
      code: "RHX_OUTPUT_SYMLINK",
      message: `${shown} is a symbolic link to ${await readlink(path)}, which does not exist; rhx does not write through links.`,
      hint: `Remove the link, or pick another path for ${flag}.`,
      exitCode: ExitCode.Usage,
    });
  if ((await stat(path).catch(() => undefined))?.isDirectory())
    throw new RhxError({
      code: "RHX_OUTPUT_IS_DIRECTORY",
      message: `${shown} is a directory; ${flag} needs a file path.`,
      hint: `Name a file inside it, e.g. ${shown.replace(/\/+$/, "")}/${example}.`,
      exitCode: ExitCode.Usage,
    });
}

/** The write itself failed although the path was fine: the system said no. */
export function writeFailed(error: unknown, shown: string): RhxError {
  const code = (error as NodeJS.ErrnoException).code ?? "unknown";
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    ENOSPC: "the disk is full",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
  };
  return new RhxError({
    code: "RHX_OUTPUT_NOT_WRITABLE",
    message: `Cannot write ${shown}: ${why[code] ?? code}.`,
    hint: "Check the permissions of its directory, or pick another path.",
    exitCode: ExitCode.StepFailed,
    cause: error,
  });
}

/** A file-system error about `path` or the temporary file written beside it. */
export function isWriteOf(error: unknown, path: string): boolean {
  const at = (error as NodeJS.ErrnoException | null)?.path;
  return typeof at === "string" && (at === path || at.startsWith(`${path}.`) || at === dirname(path));
}
