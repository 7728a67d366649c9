import { stat } from "node:fs/promises";
import type { LoadedCluster } from "../config/cluster.ts";
import { hasErrors } from "../config/diagnostic.ts";
import { type LoadResult, loadClusters } from "../config/load.ts";
import { ERROR_CODES } from "../errors/codes.ts";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import { type CommandContext, filesOrDefault } from "./context.ts";
import { withDefaultSignals } from "./signals.ts";

/** Loads for a command that acts: unset variables are errors, and any error stops with exit 3. */
export async function loadForAction(ctx: CommandContext, files: readonly string[]): Promise<LoadResult> {
  // Commands load before they take a lock or start anything: nothing to clean up yet, so Ctrl-C
  // during a long parse ends the process at once.
  const result = await withDefaultSignals(() =>
    loadClusters({
      files: filesOrDefault(files),
      envFiles: ctx.globals.envFiles,
      processEnv: ctx.env,
      redactor: ctx.redactor,
      unsetVariables: "error",
      cwd: ctx.cwd,
    }),
  );
  ctx.output.diagnostics(result.diagnostics);
  if (hasErrors(result.diagnostics)) {
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    // A valid file whose variables are not set here is an environment problem (pre-flight, exit 4),
    // like a missing credential: `rhx validate` accepts the same file. The catalog says which those are.
    if (errors.every((d) => ERROR_CODES[d.code].exit === ExitCode.PreflightFailed))
      throw new RhxError({
        code: "RHX_ENV_MISSING",
        message: `${errors.length} variable(s) the configuration needs are not set; nothing was done.`,
        hint: "Set them in the environment, in .env beside the file, or in an --env-file.",
        exitCode: ExitCode.PreflightFailed,
      });
    throw new RhxError({
      code: "RHX_CONFIG_INVALID",
      message: `The configuration has ${errors.length} error(s); nothing was done.`,
      hint: "Fix the errors above; `rhx validate` checks a file without acting on it.",
      exitCode: ExitCode.ConfigInvalid,
    });
  }
  return result;
}

export type Target = { kind: "cluster"; cluster: LoadedCluster } | { kind: "name"; name: string };

/** `rhx status|down|ssh FILE|NAME`: an existing file is loaded, anything else is a cluster name. */
export async function resolveTargets(ctx: CommandContext, args: readonly string[]): Promise<Target[]> {
  const files: string[] = [];
  const names: string[] = [];
  for (const arg of args.length > 0 ? args : ["cluster.yaml"]) {
    const isFile = await stat(arg).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile || /\.ya?ml$/i.test(arg)) files.push(arg);
    else names.push(arg);
  }
  const targets: Target[] = names.map((name) => ({ kind: "name", name }));
  if (files.length > 0) {
    const loaded = await loadForAction(ctx, files);
    targets.unshift(...loaded.clusters.map((cluster) => ({ kind: "cluster" as const, cluster })));
  }
  return targets;
}
