import type { Diagnostic } from "../config/diagnostic.ts";
import type { SourceLocation } from "../errors/rhx-error.ts";
import { escapeControl, escapeMessage } from "./escape.ts";
import type { Colors } from "./output.ts";

export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return "";
  return `${escapeControl(location.file)}:${location.line}:${location.column}`;
}

/**
 *   cluster.yaml:12:5 error RHX_CONFIG_UNKNOWN_KEY
 *   Unknown key `instance_typ` in the cluster.
 *   > 12 | instance_typ: CPU:2+
 *        | ^^^^^^^^^^^^
 *   hint: Did you mean `instance_type`?
 */
export function renderDiagnostic(diagnostic: Diagnostic, colors: Colors): string {
  const severity = diagnostic.severity === "error" ? colors.red("error") : colors.yellow("warning");
  const where = formatLocation(diagnostic.location);
  const lines = [
    `${where ? `${colors.bold(where)} ` : ""}${severity} ${colors.dim(diagnostic.code)}`,
    `  ${escapeMessage(diagnostic.message)}`,
  ];
  // A frame quotes the file: its control characters are shown, not obeyed (tabs stay, for the caret).
  if (diagnostic.frame)
    lines.push(...diagnostic.frame.split("\n").map((l) => `  ${colors.dim(frameLine(l))}`));
  if (diagnostic.hint) lines.push(`  ${colors.cyan("hint:")} ${escapeMessage(diagnostic.hint)}`);
  return `${lines.join("\n")}\n`;
}

function frameLine(line: string): string {
  return line.split("\t").map(escapeControl).join("\t");
}
