import type { ExitCodeValue } from "../../errors/exit-codes.ts";
import { RhxError, UsageError } from "../../errors/rhx-error.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { resolveTargets } from "../load.ts";
import { resolveDriver } from "../targets.ts";

/** `rhx ssh FILE|NAME [-- CMD]`: a shell (or CMD) inside the container, like `runhouse ssh`. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const target = args[0] as string | undefined;
  const command = ((options["--"] as string[] | undefined) ?? []).map(String);
  const targets = await resolveTargets(ctx, target ? [target] : []);
  if (targets.length !== 1)
    throw new UsageError(
      "`rhx ssh` needs exactly one cluster.",
      "Pass a cluster name, or a file with one cluster.",
    );
  const { name, driver, spec } = await resolveDriver(ctx, targets[0]!);
  const live = await driver.status(spec, { signal: ctx.signal });
  if (live.state !== "running")
    throw new RhxError({
      code: "RHX_NOT_RUNNING",
      message: `${name} is ${live.state === "absent" ? "not running" : live.state}.`,
      hint: "`rhx apply` brings it up.",
    });
  const code = await driver.shell(spec, command);
  return code as ExitCodeValue;
}
