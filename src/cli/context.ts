import type { ExitCodeValue } from "../errors/exit-codes.ts";
import type { RunContext } from "../pipeline/context.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { Output } from "../ui/output.ts";

/** Options every command takes (README, "Commands" and "Exit codes"). */
export interface GlobalOptions {
  envFiles: string[];
  json: boolean;
  color: boolean;
  verbose: boolean;
  stateDir: string;
}

/**
 * What every command gets: the pipeline's run context (output, cwd, env, the abort signal of
 * SIGINT/SIGTERM, whether a person can answer a prompt, the run's one redactor) with all the globals.
 */
export interface CommandContext extends RunContext {
  globals: GlobalOptions;
}

export type CommandResult = ExitCodeValue;

export { defaultStateDir } from "../state/paths.ts";

export function colorEnabled(
  flag: boolean,
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): boolean {
  if (!flag || "NO_COLOR" in env) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return isTTY && env.TERM !== "dumb";
}

export function isInteractive(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !ci;
}

export function createOutput(
  globals: Omit<GlobalOptions, "envFiles" | "stateDir">,
  redactor: Redactor,
): Output {
  return new Output({ json: globals.json, color: globals.color, verbose: globals.verbose, redactor });
}

/** Files given on the command line, or ./cluster.yaml. */
export function filesOrDefault(files: readonly string[]): string[] {
  return files.length > 0 ? [...files] : ["cluster.yaml"];
}
