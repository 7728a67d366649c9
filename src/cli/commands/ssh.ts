import type { ClusterSpec } from "../../config/cluster.ts";
import type { Driver } from "../../drivers/types.ts";
import type { ExitCodeValue } from "../../errors/exit-codes.ts";
import { RhxError, UsageError } from "../../errors/rhx-error.ts";
import { shellQuote } from "../../shell/quote.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { resolveTargets } from "../load.ts";
import { type ResolvedTarget, resolveDriver } from "../targets.ts";

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
  if (ctx.globals.json) return runForJson(ctx, name, driver, spec, command);
  const code = await driver.shell(spec, command);
  return code as ExitCodeValue;
}

/**
 * Under --json stdout carries only events, so the command runs without a terminal and each line it
 * prints becomes a `step-output` event; an interactive shell makes no sense there.
 */
async function runForJson(
  ctx: CommandContext,
  name: string,
  driver: Driver,
  spec: ResolvedTarget["spec"],
  command: string[],
): Promise<CommandResult> {
  if (command.length === 0)
    throw new UsageError(
      "`rhx ssh --json` needs a command: `rhx ssh --json NAME -- CMD`.",
      "An interactive shell has no JSON form.",
    );
  const full = { ...spec, env: spec.env ?? {} } as ClusterSpec;
  const result = await driver.exec(full, command.map(shellQuote).join(" "), {
    signal: ctx.signal,
    onOutput: (line) => ctx.output.event("step-output", { cluster: name, step: "ssh", line }),
  });
  ctx.output.event("summary", {
    command: "ssh",
    ok: result.exitCode === 0,
    cluster: name,
    exitCode: result.exitCode,
  });
  return result.exitCode as ExitCodeValue;
}
