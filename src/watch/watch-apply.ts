import type { ExitCodeValue } from "../errors/exit-codes.ts";
import type { ApplyFlags, RunContext } from "../pipeline/context.ts";
import { WatchSession } from "./session.ts";

/**
 * `rhx apply --watch [FILE...]` (docs/watch.md): apply once, then again on every change to the files,
 * their `.env` and `--env-file`s, until Ctrl-C. Clusters stay up when it stops.
 */
export function watchApply(ctx: RunContext, files: string[], flags: ApplyFlags): Promise<ExitCodeValue> {
  return new WatchSession(ctx, files, flags).run();
}
