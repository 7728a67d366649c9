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
    for (const [name, value] of Object.entries(await expandFile(text, env, processEnv))) {
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
): Promise<Record<string, string>> {
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
  const out: Record<string, string> = {};
  for (const name of Object.keys(parsed)) out[name] = result.parsed?.[name] ?? parsed[name] ?? "";
  return out;
}
