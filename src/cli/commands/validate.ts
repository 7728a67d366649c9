import { hasErrors } from "../../config/diagnostic.ts";
import { loadClusters } from "../../config/load.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { type CommandContext, type CommandResult, filesOrDefault } from "../context.ts";
import { withDefaultSignals } from "../signals.ts";

/** `rhx validate [FILE...]`: lint without needing secrets, like `terraform validate`. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const { files, strictEnv } = readArguments(args, options);
  // Validating changes nothing, so Ctrl-C may end it at once, even in the middle of a large parse.
  const result = await withDefaultSignals(() =>
    loadClusters({
      files,
      envFiles: ctx.globals.envFiles,
      processEnv: ctx.env,
      redactor: ctx.redactor,
      unsetVariables: strictEnv ? "error" : "warning",
      cwd: ctx.cwd,
    }),
  );
  const { output } = ctx;
  output.diagnostics(result.diagnostics);
  const valid = !hasErrors(result.diagnostics);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = result.diagnostics.length - errors;
  // A name that is a `${VAR}` nobody set (validate runs without secrets) is shown as such.
  const names = result.clusters.map((c) => c.spec.name || "<unresolved name>");
  output.event("summary", { command: "validate", ok: valid, files, clusters: names, errors, warnings });
  if (!output.json) {
    const counts = `${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""}`;
    if (valid)
      output.text(
        `${output.colors.green("✓")} ${files.join(", ")} ${files.length === 1 ? "is" : "are"} valid (${names.join(", ")})${warnings ? `, ${plural(warnings, "warning")}` : ""}.`,
      );
    else output.text(`${output.colors.red("✗")} ${counts}.`);
  }
  return valid ? ExitCode.Ok : ExitCode.ConfigInvalid;
}

/** Files after `--` (cac puts them in `options["--"]`) are files too. */
function readArguments(
  args: unknown[],
  options: Record<string, unknown>,
): { files: string[]; strictEnv: boolean } {
  const given = Array.isArray(args[0]) ? args[0].map(String) : [];
  const afterDashes = Array.isArray(options["--"]) ? options["--"].map(String) : [];
  return { files: filesOrDefault([...given, ...afterDashes]), strictEnv: options.strictEnv === true };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
