import { ExitCode } from "../../errors/exit-codes.ts";
import { escapeControl } from "../../ui/escape.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { resolveTargets } from "../load.ts";
import { resolveDriver } from "../targets.ts";

/** `rhx status [FILE|NAME...]`: what rhx recorded next to what the engine says now. */
export async function run(ctx: CommandContext, args: unknown[]): Promise<CommandResult> {
  const targets = await resolveTargets(ctx, (args[0] as string[] | undefined) ?? []);
  const rows: string[][] = [["NAME", "DRIVER", "LIVE", "LAST LAUNCH", "SETUP", "SERVER", "UPDATED"]];
  for (const target of targets) {
    const { name, driver, state, spec } = await resolveDriver(ctx, target);
    const live = await driver.status(spec, { signal: ctx.signal });
    const stage = (s: keyof NonNullable<typeof state>["stages"]) => state?.stages[s]?.status ?? "-";
    ctx.output.event("status", {
      cluster: name,
      driver: driver.kind,
      live: {
        state: live.state,
        id: live.id,
        image: live.image,
        ownedByRhx: live.ownedByRhx,
        detail: live.detail,
      },
      recorded: state
        ? {
            stages: state.stages,
            file: state.file,
            updatedAt: state.updatedAt,
            setupStepsDone: state.setup.length,
          }
        : null,
    });
    rows.push([
      name,
      driver.kind,
      live.state === "absent" ? "absent" : `${live.state}${live.ownedByRhx ? "" : " (not rhx's)"}`,
      stage("launch"),
      stage("setup"),
      stage("server"),
      state?.updatedAt ?? "never applied",
    ]);
  }
  if (!ctx.output.json) ctx.output.text(table(rows));
  return ExitCode.Ok;
}

export function table(raw: string[][]): string {
  // A NAME typed on the command line or a detail from the engine is shown, never sent to the terminal.
  const rows = raw.map((r) => r.map(escapeControl));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
