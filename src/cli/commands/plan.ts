import { resolve } from "node:path";
import { ExitCode } from "../../errors/exit-codes.ts";
import { runApply } from "../../tasks/apply.ts";
import { type CommandContext, type CommandResult, filesOrDefault } from "../context.ts";
import { loadForAction } from "../load.ts";
import { applyOptions, readApplyFlags } from "./apply.ts";

/** `rhx plan [FILE...]`: what apply would do, classified; `--detailed-exitcode` → 2 when it would act. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const flags = readApplyFlags(options);
  const files = (args[0] as string[] | undefined) ?? [];
  const loaded = await loadForAction(ctx, files);
  const out = typeof options.out === "string" ? options.out : undefined;
  const result = await runApply({
    ...applyOptions(ctx, flags, "plan"),
    clusters: loaded.clusters,
    savePlanTo: out
      ? {
          path: resolve(ctx.cwd, out),
          files: filesOrDefault(files).map((f) => resolve(ctx.cwd, f)),
          envFiles: ctx.globals.envFiles.map((f) => resolve(ctx.cwd, f)),
        }
      : undefined,
  });
  if (result.exitCode !== ExitCode.Ok) return result.exitCode;
  const changes = result.plans.some((p) => p.plan.action !== "no-op");
  ctx.output.event("summary", { command: "plan", ok: true, changes });
  return changes && options.detailedExitcode === true ? ExitCode.PlanHasChanges : ExitCode.Ok;
}
