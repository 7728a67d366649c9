import { hasErrors } from "../../config/diagnostic.ts";
import { loadClusters } from "../../config/load.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { shortSecrets } from "../../secrets/redactor.ts";
import { type CommandContext, type CommandResult, filesOrDefault } from "../context.ts";

/** `rhx validate [FILE...]`: lint without needing secrets, like `terraform validate`. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const files = filesOrDefault((args[0] as string[] | undefined) ?? []);
  const result = await loadClusters({
    files,
    envFiles: ctx.globals.envFiles,
    processEnv: ctx.env,
    unsetVariables: options.strictEnv === true ? "error" : "warning",
    cwd: ctx.cwd,
  });
  const { output } = ctx;
  output.diagnostics(result.diagnostics);
  for (const name of shortSecrets())
    output.warn(`${name} is shorter than 5 characters, too short to mask in output; use a longer secret.`);
  const valid = !hasErrors(result.diagnostics);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = result.diagnostics.length - errors;
  output.event("summary", {
    command: "validate",
    ok: valid,
    files,
    clusters: result.clusters.map((c) => c.spec.name),
    errors,
    warnings,
  });
  if (!output.json) {
    if (valid) {
      const names = result.clusters.map((c) => c.spec.name).join(", ");
      output.text(
        `${output.colors.green("✓")} ${files.join(", ")} ${files.length === 1 ? "is" : "are"} valid (${names})${warnings ? `, ${warnings} warning(s)` : ""}.`,
      );
    } else {
      output.text(
        `${output.colors.red("✗")} ${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ""}.`,
      );
    }
  }
  return valid ? ExitCode.Ok : ExitCode.ConfigInvalid;
}
