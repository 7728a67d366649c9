import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse } from "dotenv";
import { expand } from "dotenv-expand";
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
  path: string;
  /** A `.env` beside the config may be absent; an `--env-file` the user named may not. */
  required: boolean;
  source: Exclude<EnvSource, "process">;
}

/** `.env` beside the config file first, then every `--env-file` in order (later ones win). */
export function envFilesFor(configFile: string, envFiles: readonly string[]): EnvFileInput[] {
  return [
    { path: join(dirname(configFile), ".env"), required: false, source: "dotenv" },
    ...envFiles.map((path) => ({ path, required: true, source: "env-file" as const })),
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
    let text: string;
    try {
      text = await readFile(input.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!input.required && code === "ENOENT") continue;
      diagnostics.push({
        code: "RHX_ENV_FILE_UNREADABLE",
        severity: "error",
        message:
          code === "ENOENT"
            ? `The env file ${input.path} does not exist.`
            : `The env file ${input.path} cannot be read (${code}).`,
        hint: "Check the --env-file path.",
        location: { file: input.path, line: 1, column: 1 },
      });
      continue;
    }
    for (const [name, value] of Object.entries(expandFile(text, env, processEnv))) {
      env.set(name, { value, source: input.source, file: input.path });
    }
  }
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) env.set(name, { value, source: "process" });
  }
  return { env, diagnostics };
}

function expandFile(
  text: string,
  known: ReadonlyMap<string, EnvVar>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
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
