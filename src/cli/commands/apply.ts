import { ExitCode } from "../../errors/exit-codes.ts";
import { UsageError } from "../../errors/rhx-error.ts";
import { applyClusters } from "../../pipeline/apply.ts";
import { type ApplyFlags, DEFAULT_STEP_TIMEOUT_MS, runSettings } from "../../pipeline/context.ts";
import { isPlanFilePath, readPlanFile } from "../../plan/plan-file.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { LIMITS, parseConcurrency, parseDuration } from "../flags.ts";
import { loadForAction } from "../load.ts";
import { checkStateDir } from "../state-dir.ts";

export function readApplyFlags(options: Record<string, unknown>): ApplyFlags {
  return {
    yes: options.yes === true,
    allowReplace: options.allowReplace === true,
    concurrency: parseConcurrency(options.concurrency, 4),
    lockTimeoutMs: parseDuration(options.lockTimeout, "--lock-timeout", LIMITS.lockTimeoutMs, 0),
    watch: options.watch === true,
    stepTimeoutMs: parseDuration(
      options.stepTimeout,
      "--step-timeout",
      LIMITS.stepTimeoutMs,
      DEFAULT_STEP_TIMEOUT_MS,
    ),
  };
}

/** `rhx apply [FILE...]`: load → validate → pre-flight → plan → launch → setup → server → ready. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const flags = readApplyFlags(options);
  const files = (args[0] as string[] | undefined) ?? [];
  if (flags.watch) {
    const { watchApply } = await import("../../watch/watch-apply.ts");
    return watchApply(ctx, files, flags);
  }
  const common = {
    ...runSettings(ctx, flags),
    output: ctx.output,
    approveReplace: flags.yes || flags.allowReplace,
    interactive: ctx.interactive && !ctx.globals.json,
  };
  const planPath = files.length === 1 && isPlanFilePath(files[0]!) ? files[0]! : undefined;
  if (planPath) {
    // A saved plan names its own files; it is the approval, so it needs no --yes.
    const file = await readPlanFile(planPath, ctx.cwd);
    const loaded = await loadForAction(
      { ...ctx, globals: { ...ctx.globals, envFiles: file.envFiles } },
      file.files,
    );
    await checkStateDir(ctx.globals.stateDir);
    const result = await applyClusters({
      ...common,
      clusters: loaded.clusters,
      savedPlan: { path: planPath, file },
    });
    return result.exitCode;
  }
  if (files.some(isPlanFilePath))
    throw new UsageError("A saved plan is applied on its own: `rhx apply FILE.plan`.");
  const loaded = await loadForAction(ctx, files);
  if (loaded.clusters.length === 0) return ExitCode.ConfigInvalid;
  await checkStateDir(ctx.globals.stateDir);
  return (await applyClusters({ ...common, clusters: loaded.clusters })).exitCode;
}
