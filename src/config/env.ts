import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Diagnostic } from "./diagnostic.ts";
import { interpolateString, MAX_VALUE_LENGTH, type ProblemKind } from "./interpolate.ts";
import { detectUtf16 } from "./read.ts";

export type EnvSource = "process" | "env-file" | "dotenv";

export interface EnvVar {
  value: string;
  source: EnvSource;
  /** The file it came from, for env-file and dotenv. */
  file?: string;
}

/** The variables interpolation can see; strongest source wins (process > --env-file > .env). */
export type Environment = ReadonlyMap<string, EnvVar>;

/** docs/config-reference.md: names that look secret make their values secret wherever they end up. */
export function looksSecret(name: string): boolean {
  return /PASSWORD|TOKEN|SECRET/i.test(name) || /_KEY$/i.test(name);
}

export interface EnvFileInput {
  /** Where to read it. */
  path: string;
  /** How to name it in messages: as the user wrote it, not an absolute path of this machine. */
  display?: string;
  /** A `.env` beside the config may be absent; an `--env-file` the user named may not. */
  required: boolean;
  source: Exclude<EnvSource, "process">;
}

/**
 * `.env` beside the config file first, then every `--env-file` in order (later ones win). Relative
 * paths are resolved against `cwd` for reading and kept as written for messages.
 */
export function envFilesFor(
  configFile: string,
  envFiles: readonly string[],
  cwd = process.cwd(),
): EnvFileInput[] {
  const dotenv = join(dirname(configFile), ".env");
  return [
    { path: resolve(cwd, dotenv), display: dotenv, required: false, source: "dotenv" },
    ...envFiles.map((file) => ({
      path: resolve(cwd, file),
      display: file,
      required: true,
      source: "env-file" as const,
    })),
  ];
}

export interface EnvironmentResult {
  env: Environment;
  diagnostics: Diagnostic[];
}

/**
 * Builds the environment without touching `process.env`: dotenv only parses (it never prints), and
 * the values are expanded by rhx's own interpolator over Maps, never over plain objects whose
 * prototype (`constructor`, `toString`, …) would answer for names no file defines.
 */
export async function readEnvironment(
  files: readonly EnvFileInput[],
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<EnvironmentResult> {
  const fromProcess = new Map<string, string>();
  for (const [name, value] of Object.entries(processEnv))
    if (value !== undefined) fromProcess.set(name, value);
  const env = new Map<string, EnvVar>();
  const diagnostics: Diagnostic[] = [];
  for (const input of files) {
    const shown = input.display ?? input.path;
    let text: string;
    try {
      const info = await stat(input.path);
      if (!info.isFile()) {
        if (!input.required && info.isDirectory()) continue;
        throw Object.assign(new Error("not a file"), { code: info.isDirectory() ? "EISDIR" : "ENOTFILE" });
      }
      if (info.size > MAX_ENV_FILE_BYTES) throw Object.assign(new Error("too large"), { code: "EFBIG" });
      const bytes = await readFile(input.path);
      // Saved by a Windows editor as UTF-16, dotenv would find no variables in it, silently.
      const utf16 = detectUtf16(bytes);
      if (utf16) {
        diagnostics.push({
          code: "RHX_ENV_FILE_ENCODING",
          severity: "error",
          message: `${input.source === "env-file" ? "The env file" : "The .env file"} ${shown} is ${utf16.name} text; rhx reads UTF-8.`,
          hint: `Convert it: \`iconv -f ${utf16.bom ? "UTF-16" : utf16.name} -t UTF-8 ${shown} > converted.env\`, or save it as UTF-8 in your editor.`,
          location: { file: shown, line: 1, column: 1 },
        });
        continue;
      }
      text = bytes.toString("utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!input.required && code === "ENOENT") continue;
      diagnostics.push({
        code: "RHX_ENV_FILE_UNREADABLE",
        severity: "error",
        message: envFileMessage(shown, input.source, code),
        hint:
          input.source === "env-file"
            ? "Check the --env-file path."
            : "Fix or remove the .env file beside the cluster file.",
        location: { file: shown, line: 1, column: 1 },
      });
      continue;
    }
    // Imported only when there is an env file to read: most runs in CI have none.
    const { parse } = await import("dotenv");
    const expanded = expandEnvFile(text, shown, parse(text), env, fromProcess);
    diagnostics.push(...expanded.diagnostics);
    for (const [name, value] of expanded.values) env.set(name, { value, source: input.source, file: shown });
  }
  for (const [name, value] of fromProcess) env.set(name, { value, source: "process" });
  return { env, diagnostics };
}

/** `.env` files are a few lines; this only stops a wrong path from reading gigabytes. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

function envFileMessage(file: string, source: EnvFileInput["source"], code: string | undefined): string {
  const what = source === "env-file" ? "The env file" : "The .env file";
  switch (code) {
    case "ENOENT":
      return `${what} ${file} does not exist.`;
    case "EISDIR":
      return `${what} ${file} is a directory.`;
    case "ENOTFILE":
      return `${what} ${file} is not a regular file.`;
    case "EFBIG":
      return `${what} ${file} is larger than ${MAX_ENV_FILE_BYTES / 1024} KiB; it is not an env file.`;
    case "EACCES":
    case "EPERM":
      return `${what} ${file} cannot be read: permission denied.`;
    default:
      return `${what} ${file} cannot be read (${code ?? "unknown error"}).`;
  }
}

/**
 * Expands one file's values in order, as dotenv-expand did: a line sees the process environment
 * first, then the lines above it, then earlier files. A reference that finds nothing becomes the
 * empty string, with a warning at its line. Warnings name the variable being set and the line of
 * whatever it refers to, never the text after a `$`: that text is part of the value, and the value
 * may be a password that happens to contain a `$` (`REG_PASS=Xy7$abc`), whatever the variable is called.
 */
export function expandEnvFile(
  text: string,
  file: string,
  parsed: Readonly<Record<string, string>>,
  earlier: ReadonlyMap<string, EnvVar>,
  fromProcess: ReadonlyMap<string, string>,
): { values: Map<string, string>; diagnostics: Diagnostic[] } {
  const lines = text.split(/\r\n?|\n/);
  const values = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  // dotenv assigns into a plain object, where `__proto__=` sets the prototype instead of a key.
  const proto = lines.findIndex((line) => /^\s*(export\s+)?__proto__\s*[=:]/.test(line));
  if (proto !== -1)
    diagnostics.push({
      code: "RHX_ENV_FILE_NAME",
      severity: "warning",
      message: `\`__proto__\` cannot be set from an env file; line ${proto + 1} of ${file} is ignored.`,
      hint: "Rename the variable.",
      location: { file, line: proto + 1, column: 1 },
    });
  const entries = Object.entries(parsed);
  const lineOfName = linesOfNames(lines);
  const lookup = (name: string) => fromProcess.get(name) ?? values.get(name) ?? earlier.get(name)?.value;
  for (const [name, raw] of entries) {
    // The process environment wins over this line anyway; its text is never used.
    if (fromProcess.has(name)) continue;
    const result = interpolateString(raw, lookup, "dotenv");
    values.set(name, result.value);
    const line = lineOfName.get(name) ?? 1;
    const reported = new Set<string>();
    for (const problem of result.problems) {
      const laterLine =
        problem.kind === "syntax" || problem.kind === "too-long" ? undefined : lineOfName.get(problem.name);
      const later = laterLine !== undefined && laterLine > line && !values.has(problem.name);
      const kind = later ? "later" : problem.kind;
      // One warning per kind of problem and line: a value with many `$` is one mistake, not many.
      if (reported.has(kind)) continue;
      reported.add(kind);
      const column = columnOf(lines[line - 1] ?? "", raw, problem.offset);
      diagnostics.push(referenceDiagnostic(name, kind, { file, line, column }, laterLine));
    }
  }
  return { values, diagnostics };
}

function referenceDiagnostic(
  name: string,
  kind: ProblemKind | "later",
  location: { file: string; line: number; column: number },
  laterLine: number | undefined,
): Diagnostic {
  const literal = "If the `$` belongs to the value, write it as `\\$`.";
  const base = { code: "RHX_ENV_FILE_REFERENCE" as const, severity: "warning" as const, location };
  switch (kind) {
    case "later":
      return {
        ...base,
        message: `${name} refers to the variable set on line ${laterLine} of ${location.file}, further down; env files expand in order, so that part of ${name} is empty.`,
        hint: `Move line ${laterLine} above line ${location.line}.`,
      };
    case "too-long":
      return {
        ...base,
        code: "RHX_ENV_FILE_TOO_LONG",
        severity: "error",
        message: `${name} is longer than ${MAX_VALUE_LENGTH / 1024} KiB once its references are filled in.`,
        hint: "No process can take an environment variable that long; is a reference repeated by mistake?",
      };
    case "syntax":
      return {
        ...base,
        message: `${name} has a \`\${\` that is not a variable reference.`,
        hint: `Write \`\${NAME}\` or \`\${NAME:-default}\`. ${literal}`,
      };
    default:
      return {
        ...base,
        message: `${name} has a \`$\` reference to a variable that is not set, so that part of its value is empty.`,
        hint: `Set the variable above this line, in an earlier env file or in the environment, or give a default (\`\${NAME:-value}\`). ${literal}`,
      };
  }
}

/**
 * The line that sets each name: the first one, as dotenv keeps the last value but the first
 * position. One pass, so a long file costs no more than its length.
 */
function linesOfNames(lines: readonly string[]): Map<string, number> {
  const found = new Map<string, number>();
  lines.forEach((line, index) => {
    const name = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]/.exec(line)?.[1];
    if (name !== undefined && !found.has(name)) found.set(name, index + 1);
  });
  return found;
}

/**
 * The column of the `$` at `offset` of the parsed value, when the line shows the value as it was
 * parsed (no escapes or line breaks before it); otherwise the start of the line.
 */
function columnOf(line: string, value: string, offset: number): number {
  const start = line.indexOf(value.slice(0, offset + 1));
  return start === -1 || offset >= value.length ? 1 : start + offset + 1;
}
