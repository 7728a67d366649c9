import { ExitCode } from "../../errors/exit-codes.ts";
import { runApply } from "../../tasks/apply.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { loadForAction } from "../load.ts";
import { applyOptions, readApplyFlags } from "./apply.ts";

/** `rhx plan [FILE...]`: what apply would do, classified; `--detailed-exitcode` → 2 when it would act. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const flags = readApplyFlags(options);
  const loaded = await loadForAction(ctx, (args[0] as string[] | undefined) ?? []);
  const result = await runApply({ ...applyOptions(ctx, flags, "plan"), clusters: loaded.clusters });
  if (result.exitCode !== ExitCode.Ok) return result.exitCode;
  const changes = result.plans.some((p) => p.plan.action !== "no-op");
  ctx.output.event("summary", { command: "plan", ok: true, changes });
  return changes && options.detailedExitcode === true ? ExitCode.PlanHasChanges : ExitCode.Ok;
}
