import { readFile, rm } from "node:fs/promises";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { STATE_VERSION, stateProblem } from "./check-state.ts";
import { statePaths } from "./paths.ts";
import type { ClusterState } from "./schema.ts";
import { sinkError } from "./sink-error.ts";

/** Reads a cluster's state; undefined when rhx never applied it. A bad file is an error, never ignored. */
export async function readState(stateDir: string, name: string): Promise<ClusterState | undefined> {
  const path = statePaths(stateDir, name).state;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RhxError({
      code: "RHX_STATE_UNREADABLE",
      message: `The state of ${name} cannot be read (${(error as NodeJS.ErrnoException).code}).`,
      hint: `Check the permissions of ${path}.`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(name, path, "it is not valid JSON");
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > STATE_VERSION) {
    throw new RhxError({
      code: "RHX_STATE_FUTURE",
      message: `The state of ${name} was written by a newer rhx (state version ${version}; this rhx reads ${STATE_VERSION}).`,
      hint: "Upgrade rhx. The file is left as it is.",
      exitCode: ExitCode.StepFailed,
    });
  }
  const problem = stateProblem(value);
  if (problem !== undefined) throw corrupt(name, path, problem);
  return value as ClusterState;
}

function corrupt(name: string, path: string, why: string): RhxError {
  return new RhxError({
    code: "RHX_STATE_CORRUPT",
    message: `The state of ${name} is damaged: ${why}. rhx will not overwrite it.`,
    // status and down read the state too, so they cannot be the first step; without the file they work.
    hint: `Inspect ${path}. To start over, move it away: then \`rhx status ${name}\` shows what runs and \`rhx down ${name}\` removes it.`,
  });
}

/**
 * Atomic, redacted write: even a secret that slipped into a field cannot reach the disk. `redactor` is
 * the run's; the process-wide one stands in for callers not yet given it.
 */
export async function writeState(stateDir: string, state: ClusterState, redactor: Redactor): Promise<void> {
  const path = statePaths(stateDir, state.name).state;
  try {
    await writeFileAtomic(path, `${JSON.stringify(redactor.redactValue(state), null, 2)}\n`);
  } catch (error) {
    throw sinkError("RHX_STATE_UNWRITABLE", `The state of ${state.name}`, path, error);
  }
}

export async function removeState(stateDir: string, name: string): Promise<void> {
  await rm(statePaths(stateDir, name).state, { force: true });
}
