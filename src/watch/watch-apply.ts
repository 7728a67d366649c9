import type { ApplyFlags } from "../cli/commands/apply.ts";
import type { CommandContext, CommandResult } from "../cli/context.ts";
import { WatchSession } from "./session.ts";

/**
 * `rhx apply --watch [FILE...]` (docs/watch.md): apply once, then again on every change to the files,
 * their `.env` and `--env-file`s, until Ctrl-C. Clusters stay up when it stops.
 */
export function watchApply(ctx: CommandContext, files: string[], flags: ApplyFlags): Promise<CommandResult> {
  return new WatchSession(ctx, files, flags).run();
}
