import { resolve } from "node:path";
import { ExitCode } from "../../errors/exit-codes.ts";
import { runSettings } from "../../pipeline/context.ts";
import { planOnly } from "../../pipeline/plan-only.ts";
import { type CommandContext, type CommandResult, filesOrDefault } from "../context.ts";
import { loadForAction } from "../load.ts";
import { checkOutputPath, isWriteOf, writeFailed } from "../output-path.ts";
import { checkStateDir } from "../state-dir.ts";
import { readApplyFlags } from "./apply.ts";

/** `rhx plan [FILE...]`: what apply would do, classified; `--detailed-exitcode` → 2 when it would act. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const flags = readApplyFlags(options);
  const files = (args[0] as string[] | undefined) ?? [];
  const out = typeof options.out === "string" ? options.out : undefined;
  // Before the (slow) plan: a path that cannot take the file is a mistake on the command line.
  if (out !== undefined) await checkOutputPath(resolve(ctx.cwd, out), out, "--out", "cluster.plan");
  const loaded = await loadForAction(ctx, files);
  await checkStateDir(ctx.globals.stateDir);
  const result = await planOnly({
    ...runSettings(ctx, flags),
    output: ctx.output,
    clusters: loaded.clusters,
    saveTo: out
      ? {
          path: resolve(ctx.cwd, out),
          files: filesOrDefault(files).map((f) => resolve(ctx.cwd, f)),
          envFiles: ctx.globals.envFiles.map((f) => resolve(ctx.cwd, f)),
        }
      : undefined,
  }).catch((error: unknown) => {
    throw out !== undefined && isWriteOf(error, resolve(ctx.cwd, out)) ? writeFailed(error, out) : error;
  });
  if (result.exitCode !== ExitCode.Ok) return result.exitCode;
  const changes = result.planned.some((p) => p.plan.action !== "no-op");
  ctx.output.event("summary", { command: "plan", ok: true, changes });
  return changes && options.detailedExitcode === true ? ExitCode.PlanHasChanges : ExitCode.Ok;
}
