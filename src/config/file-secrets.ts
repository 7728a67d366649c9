import { looksSecret } from "./env.ts";

/**
 * Secrets written literally in a config file: `password: …` (as in `docker.password`) and keys whose
 * names look secret (`HF_TOKEN: …`). Found line by line in the raw text, before the YAML is parsed,
 * so that a file with syntax errors still cannot print them: every diagnostic's code frame quotes
 * the file, and the redactor can only mask what it knows. `${…}` references are skipped; their
 * values come from the environment and are registered there.
 */
export function literalSecretsInText(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^[ \t]*(?:-[ \t]+)?(["']?)([A-Za-z_][\w.-]*)\1[ \t]*:[ \t]+(.+)$/.exec(line);
    if (!match) continue;
    const key = match[2] ?? "";
    if (key.toLowerCase() !== "password" && !looksSecret(key)) continue;
    const value = scalarText(match[3] ?? "");
    if (value !== undefined && value !== "" && !value.includes("${")) found.push(value);
  }
  return found;
}

/** The value of a one-line YAML scalar as written: quotes removed, a trailing comment dropped. */
function scalarText(raw: string): string | undefined {
  const text = raw.trim();
  if (/^[|>&*!{[]/.test(text)) return undefined;
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1);
    return end === -1 ? text.slice(1) : text.slice(1, end);
  }
  return text.replace(/[ \t]+#.*$/, "");
}
