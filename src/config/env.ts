import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Diagnostic } from "./diagnostic.ts";

export type EnvSource = "process" | "env-file" | "dotenv";

export interface EnvVar {
  value: string;
  source: EnvSource;
  /** The file it came from, for env-file and dotenv. */
  file?: string;
}

/** The variables interpolation can see; strongest source wins (process > --env-file > .env). */
export type Environment = ReadonlyMap<string, EnvVar>;

/** DESIGN.md §2: names that look secret make their values secret wherever they end up. */
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
 * Builds the environment without touching `process.env`: dotenv only parses (it never prints),
 * and dotenv-expand works on a private copy, as wrangler and vite do.
 */
export async function readEnvironment(
  files: readonly EnvFileInput[],
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<EnvironmentResult> {
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
      text = await readFile(input.path, "utf8");
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
    const expanded = await expandFile(text, env, processEnv);
    diagnostics.push(...checkReferences(text, shown, expanded.parsed, env, processEnv));
    for (const [name, value] of Object.entries(expanded.values)) {
      env.set(name, { value, source: input.source, file: shown });
    }
  }
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) env.set(name, { value, source: "process" });
  }
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

async function expandFile(
  text: string,
  known: ReadonlyMap<string, EnvVar>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<{ parsed: Record<string, string>; values: Record<string, string> }> {
  // Imported only when there is an env file to read: most runs in CI have none.
  const [{ parse }, { expand }] = await Promise.all([import("dotenv"), import("dotenv-expand")]);
  const parsed = parse(text);
  // dotenv-expand lets `processEnv` short-circuit a file's own value, which is right for the process
  // environment (it is strongest) but wrong for earlier files; those go in as already-parsed values.
  const earlier: Record<string, string> = {};
  for (const [name, v] of known) earlier[name] = v.value;
  const scope: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnv)) if (value !== undefined) scope[name] = value;
  const result = expand({ parsed: { ...earlier, ...parsed }, processEnv: scope });
  const values: Record<string, string> = {};
  for (const name of Object.keys(parsed)) values[name] = result.parsed?.[name] ?? parsed[name] ?? "";
  return { parsed, values };
}

/**
 * dotenv-expand expands in file order and silently gives an unknown variable the empty string:
 * `A=${B}` above `B=x` makes A empty. Say so, at the line, without quoting it (it may hold a secret).
 */
function checkReferences(
  text: string,
  file: string,
  parsed: Record<string, string>,
  known: ReadonlyMap<string, EnvVar>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const names = Object.keys(parsed);
  const position = new Map(names.map((name, index) => [name, index]));
  const defined = (name: string) => known.has(name) || processEnv[name] !== undefined;
  names.forEach((name, index) => {
    const reference = /(?<!\\)\$\{([^{}]+)\}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)/g;
    for (const match of (parsed[name] ?? "").matchAll(reference)) {
      const expression = match[1] ?? match[2] ?? "";
      const operator = /:\+|\+|:-|-/.exec(expression);
      const target = operator ? expression.slice(0, operator.index) : expression;
      const at = position.get(target);
      if (operator || target === name || defined(target) || (at !== undefined && at < index)) continue;
      const later = at !== undefined;
      const location = { file, line: lineOf(text, name), column: 1 };
      // A secret's value may hold a `$` of its own: never name what follows it.
      if (looksSecret(name)) {
        diagnostics.push({
          code: "RHX_ENV_FILE_REFERENCE",
          severity: "warning",
          message: `${name} has a \`$\` reference to a variable that is ${later ? "set further down" : "not set"}, so part of its value is replaced with an empty string.`,
          hint: "If the `$` belongs to the value, write it as `\\$`.",
          location,
        });
        break;
      }
      diagnostics.push({
        code: "RHX_ENV_FILE_REFERENCE",
        severity: "warning",
        message: later
          ? `${name} refers to ${target}, which is set further down in ${file}; env files expand in order, so ${name} gets an empty value there.`
          : `${name} refers to ${target}, which is not set; it expands to an empty string.`,
        hint: later
          ? `Move the ${target}= line above ${name}=.`
          : `Set ${target}, give a default (\${${target}:-value}), or write a literal \`$\` as \`\\$\`.`,
        location,
      });
    }
  });
  return diagnostics;
}

function lineOf(text: string, name: string): number {
  const lines = text.split(/\r?\n/);
  const key = new RegExp(`^\\s*(export\\s+)?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*[=:]`);
  const index = lines.findIndex((line) => key.test(line));
  return index + 1 || 1;
}
