import type { Diagnostic } from "../config/diagnostic.ts";
import { parseConfigText } from "../config/parse.ts";
import { runRules } from "../config/rules.ts";
import type { ClusterFile } from "../config/schema.ts";
import { validateSchema } from "../config/validate.ts";
import { type StarterAnswers, starterConfig } from "./starter.ts";

/**
 * The starter as `rhx validate` would judge it (YAML, schema, rules), before it is written: an
 * answer the field checks let through (a reserved name, `instance_type: A10G`) is still refused.
 * Each error names the top-level key on its line, so a prompt can ask for that answer again.
 */
export function starterErrors(answers: StarterAnswers): { key: string; diagnostic: Diagnostic }[] {
  const text = starterConfig(answers);
  const parsed = parseConfigText("cluster.yaml", text);
  const diagnostics = [...parsed.diagnostics];
  const source = parsed.documents[0];
  if (source && diagnostics.length === 0) {
    const value = source.doc.toJS() as unknown;
    diagnostics.push(...validateSchema(source, value));
    if (diagnostics.length === 0)
      diagnostics.push(
        ...runRules({
          source,
          cluster: value as ClusterFile,
          isUnresolved: () => false,
          isLiteral: () => true,
        }),
      );
  }
  const lines = text.split("\n");
  return diagnostics
    .filter((d) => d.severity === "error")
    .map((diagnostic) => {
      const line = lines[(diagnostic.location?.line ?? 1) - 1] ?? "";
      return { key: /^([a-z_]+):/.exec(line)?.[1] ?? "", diagnostic };
    });
}
