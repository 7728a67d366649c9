import type { ApplyFlags } from "../cli/commands/apply.ts";
import type { CommandContext, CommandResult } from "../cli/context.ts";
import { UsageError } from "../errors/rhx-error.ts";

/** Placeholder until watch mode lands (issue 6): refuses clearly instead of pretending. */
export async function watchApply(
  _ctx: CommandContext,
  _files: string[],
  _flags: ApplyFlags,
): Promise<CommandResult> {
  throw new UsageError("`rhx apply --watch` is not available in this build yet.");
}
