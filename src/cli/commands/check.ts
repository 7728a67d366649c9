import { driverFor, driverKind } from "../../drivers/select.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { isRhxError } from "../../errors/rhx-error.ts";
import { mapBounded } from "../../pipeline/bounded.ts";
import { runPreflight } from "../../preflight/run-preflight.ts";
import type { CheckResult } from "../../preflight/types.ts";
import { escapeMessage } from "../../ui/escape.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { loadForAction } from "../load.ts";

/** `rhx check [FILE...]`: validate + every pre-flight check, from this machine, before any money is spent. */
export async function run(ctx: CommandContext, args: unknown[]): Promise<CommandResult> {
  const loaded = await loadForAction(ctx, (args[0] as string[] | undefined) ?? []);
  const { output } = ctx;
  const results = new Map<string, CheckResult[]>();
  await mapBounded(loaded.clusters, 4, async (cluster) => {
    const kind = driverKind(cluster.spec.provider);
    // Making a driver spawns nothing, so it exists even where its engine or `sky` does not.
    const driver = await driverFor(kind, {
      env: ctx.env,
      stateDir: ctx.globals.stateDir,
      redactor: ctx.redactor,
    });
    let running = false;
    // Only the local port check cares whether the cluster already runs (its server holds the port).
    if (kind === "local") {
      try {
        running = (await driver.status(cluster.spec, { signal: ctx.signal })).state === "running";
      } catch (error) {
        // The engine itself may be what is missing: the engine check says so properly.
        if (!isRhxError(error)) throw error;
      }
    }
    results.set(
      cluster.spec.name,
      await runPreflight(cluster, driver, {
        signal: ctx.signal,
        clusterRunning: running,
        redactor: ctx.redactor,
      }),
    );
  });
  let failed = false;
  for (const cluster of loaded.clusters) {
    const name = cluster.spec.name;
    if (!output.json) output.text(output.colors.bold(name));
    for (const check of results.get(name) ?? []) {
      failed ||= check.status === "fail";
      output.event("preflight", { cluster: name, ...check });
      if (output.json) continue;
      const mark =
        check.status === "pass"
          ? output.colors.green("✓")
          : check.status === "warn"
            ? output.colors.yellow("!")
            : output.colors.red("✗");
      output.text(
        `  ${mark} ${check.title}: ${escapeMessage(check.message)}${check.code && check.status !== "pass" ? ` (${check.code})` : ""}`,
      );
      if (check.hint && check.status !== "pass")
        output.text(
          `      ${output.colors.cyan("hint:")} ${escapeMessage(check.hint).split("\n").join("\n            ")}`,
        );
    }
  }
  output.event("summary", {
    command: "check",
    ok: !failed,
    clusters: loaded.clusters.map((c) => c.spec.name),
  });
  if (!output.json)
    output.text(failed ? "Pre-flight failed: nothing would be launched." : "All checks passed.");
  return failed ? ExitCode.PreflightFailed : ExitCode.Ok;
}
