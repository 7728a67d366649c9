import { driverFor, driverKind } from "../../drivers/select.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { UsageError } from "../../errors/rhx-error.ts";
import { isPlanFilePath, readPlanFile } from "../../plan/plan-file.ts";
import { runPreflight } from "../../preflight/run-preflight.ts";
import { type ApplyOptions, runApply } from "../../tasks/apply.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { LIMITS, parseConcurrency, parseDuration } from "../flags.ts";
import { loadForAction } from "../load.ts";
import { checkStateDir } from "../state-dir.ts";

export interface ApplyFlags {
  yes: boolean;
  allowReplace: boolean;
  concurrency: number;
  lockTimeoutMs: number;
  watch: boolean;
  stepTimeoutMs: number;
}

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

/** A setup command that never ends must not hold a lock (and a machine) forever. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

export function applyOptions(
  ctx: CommandContext,
  flags: ApplyFlags,
  mode: "plan" | "apply",
): Omit<ApplyOptions, "clusters"> {
  return {
    output: ctx.output,
    stateDir: ctx.globals.stateDir,
    signal: ctx.signal,
    env: ctx.env,
    mode,
    approveReplace: flags.yes || flags.allowReplace,
    interactive: ctx.interactive && !ctx.globals.json,
    concurrency: flags.concurrency,
    lockTimeoutMs: flags.lockTimeoutMs,
    stepTimeoutMs: flags.stepTimeoutMs,
    // -v streams every output line, which a redrawing renderer would swallow.
    liveRenderer: ctx.interactive && !ctx.globals.json && !ctx.globals.verbose,
    driverFor: (cluster) =>
      driverFor(driverKind(cluster.spec.provider), { env: ctx.env, stateDir: ctx.globals.stateDir }),
    preflight: (cluster, driver, running, launching) =>
      runPreflight(cluster, driver, { signal: ctx.signal, env: ctx.env, clusterRunning: running, launching }),
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
  const planPath = files.length === 1 && isPlanFilePath(files[0]!) ? files[0]! : undefined;
  if (planPath) {
    // A saved plan names its own files; it is the approval, so it needs no --yes.
    const file = await readPlanFile(planPath, ctx.cwd);
    const loaded = await loadForAction(
      { ...ctx, globals: { ...ctx.globals, envFiles: file.envFiles } },
      file.files,
    );
    await checkStateDir(ctx.globals.stateDir);
    const result = await runApply({
      ...applyOptions(ctx, flags, "apply"),
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
  const result = await runApply({ ...applyOptions(ctx, flags, "apply"), clusters: loaded.clusters });
  return result.exitCode;
}
