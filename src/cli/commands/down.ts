import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { confirm } from "../../pipeline/confirm.ts";
import { acquireLock } from "../../state/lock.ts";
import { removeState } from "../../state/store.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { LIMITS, parseDuration } from "../flags.ts";
import { resolveTargets } from "../load.ts";
import { checkStateDir } from "../state-dir.ts";
import { resolveDriver } from "../targets.ts";

/** `rhx down [FILE|NAME...]`: tears down only what rhx created, then forgets it. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  // A bad flag is reported before anything is looked up or torn down.
  const lockTimeoutMs = parseDuration(options.lockTimeout, "--lock-timeout", LIMITS.lockTimeoutMs, 0);
  const targets = await resolveTargets(ctx, (args[0] as string[] | undefined) ?? []);
  await checkStateDir(ctx.globals.stateDir);
  const resolved = await Promise.all(targets.map((t) => resolveDriver(ctx, t)));
  const names = resolved.map((r) => r.name);
  if (options.yes !== true) {
    if (!ctx.interactive || ctx.globals.json)
      throw new RhxError({
        code: "RHX_CONFIRMATION_REQUIRED",
        message: `Tearing down ${names.join(", ")} needs confirmation, and no one is here to give it.`,
        hint: "Run again with --yes.",
        exitCode: ExitCode.Usage,
      });
    if (!(await confirm(`Tear down ${names.join(", ")}?`, ctx.signal))) {
      ctx.output.text("Nothing was changed.");
      return ExitCode.StepFailed;
    }
  }
  let failed = false;
  for (const { name, driver, spec } of resolved) {
    const lock = await acquireLock(ctx.globals.stateDir, name, {
      timeoutMs: lockTimeoutMs,
      command: "rhx down",
      signal: ctx.signal,
    });
    try {
      const live = await driver.status(spec, { signal: ctx.signal });
      if (live.state !== "absent") {
        await driver.teardown(spec, {
          signal: ctx.signal,
          onOutput: (line) => ctx.output.debug(`[${name}] ${line}`),
        });
      }
      await removeState(ctx.globals.stateDir, name);
      ctx.output.event("down", { cluster: name, was: live.state });
      ctx.output.text(
        live.state === "absent" ? `${name} was not running; its record is cleared.` : `${name} is torn down.`,
      );
    } catch (error) {
      failed = true;
      const { reportError } = await import("../../pipeline/report-error.ts");
      reportError(ctx.output, name, error);
    } finally {
      await lock.release();
    }
  }
  return failed ? ExitCode.StepFailed : ExitCode.Ok;
}
