/**
 * Why the server start failed, when the container's Runhouse is not the configured version: each
 * era spells the restart differently (versions.ts), so with `runhouse.install: false` and another
 * version in the image the command itself is refused ("No such command 'restart'"). Pure.
 */

import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { RunhouseSpec } from "./spec.ts";

/** The command that asks the container which Runhouse it has (`-v`/`--version` on every release). */
export const VERSION_PROBE = "runhouse --version";

/** The version `runhouse --version` printed, if its output is one. */
export function probedVersion(lines: readonly string[]): string | undefined {
  const last = lines
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .at(-1);
  return last && /^\d+\.\d+(\.\d+)?\S*$/.test(last) ? last : undefined;
}

export function serverStartError(
  spec: Pick<RunhouseSpec, "runhouse" | "server">,
  exitCode: number,
  tail: readonly string[],
  installed: string | undefined,
): RhxError {
  const output = tail.length ? `\n${tail.map((l) => `    ${l}`).join("\n")}` : "";
  const wanted = spec.runhouse.version;
  const other = installed !== undefined && installed !== wanted && !spec.server.command;
  return new RhxError({
    code: "RHX_SERVER_START_FAILED",
    message: `The server start command exited with code ${exitCode}.${output}${
      other ? `\nThe container's Runhouse is ${installed}, but runhouse.version is ${wanted}.` : ""
    }`,
    hint: other
      ? spec.runhouse.install
        ? `Installing ${wanted} did not replace ${installed}: check which runhouse is first on the container's PATH.`
        : `Set runhouse.version: "${installed}" to match the image, or runhouse.install: true to install ${wanted}.`
      : spec.server.command
        ? "Check `server.command`."
        : "Check that the image has Python and Runhouse (or set `runhouse.install: true`).",
    exitCode: ExitCode.StepFailed,
  });
}
