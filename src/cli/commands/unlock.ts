import { ExitCode } from "../../errors/exit-codes.ts";
import { UsageError } from "../../errors/rhx-error.ts";
import { forceUnlock } from "../../state/lock.ts";
import type { CommandContext, CommandResult } from "../context.ts";

/** `rhx unlock NAME`: removes a lock that its owner left behind (another host, say). */
export async function run(ctx: CommandContext, args: unknown[]): Promise<CommandResult> {
  const name = args[0] as string | undefined;
  if (!name) throw new UsageError("`rhx unlock` needs a cluster name.");
  const holder = await forceUnlock(ctx.globals.stateDir, name);
  ctx.output.event("unlocked", { cluster: name, holder: holder ?? null });
  ctx.output.text(
    holder
      ? `Removed the lock on ${name} held by pid ${holder.pid} on ${holder.host}.`
      : `${name} was not locked.`,
  );
  return ExitCode.Ok;
}
