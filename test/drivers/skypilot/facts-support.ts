/**
 * SkyPilot's own facts per version (test/fixtures/skypilot-facts): its task and resources schemas as
 * SkyPilot validates them, a click-like check of an argv against a subcommand's real options, and the
 * `--help` text the fake prints for them (so detection can be tested without spawning).
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
// @ts-expect-error: the fake `sky` is plain JavaScript without types.
import { helpText } from "../../fixtures/fake-sky/facts.js";

const ROOT = new URL("../../fixtures/skypilot-facts/", import.meta.url);

export interface Era {
  era: string;
  version: string;
  repo: string;
  branch: string;
}

export interface Param {
  kind: "option" | "argument";
  name: string;
  opts: string[];
  secondary_opts: string[];
  is_flag?: boolean;
  multiple?: boolean;
  hidden?: boolean;
  nargs?: number;
  type?: string;
  choices?: string[];
}

export interface CliFacts {
  top_commands: string[];
  commands: Record<string, { params: Param[] }>;
}

export const ERAS: Era[] = JSON.parse(readFileSync(new URL("eras.json", ROOT), "utf8"));

function read<T>(era: string, file: string): T {
  return JSON.parse(readFileSync(new URL(`${era}/${file}`, ROOT), "utf8")) as T;
}

export function cliFacts(era: string): CliFacts {
  return read<CliFacts>(era, "cli.json");
}

/** The fake's `--help` for a subcommand of an era (generated from the same facts). */
export function eraHelp(era: string, command: string): string {
  return helpText({ cli: cliFacts(era) }, command, `sky ${command} [OPTIONS]`) as string;
}

/**
 * Python's `(?i:…)` inline flag (SkyPilot's `infra` pattern) has no JavaScript equivalent in Node 20:
 * the group's letters become `[aA]` classes instead, which matches the same strings.
 */
export function jsPattern(pattern: string): string {
  return pattern.replace(
    /\(\?i:((?:[^()]|\((?:[^()])*\))*)\)/g,
    (_all, body: string) =>
      `(?:${body.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)})`,
  );
}

function forJs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forJs);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    // SkyPilot validates with a Draft 7 validator whatever `$schema` says (sky/utils/validator.py).
    if (k === "$schema") continue;
    if (k === "pattern" && typeof v === "string") out[k] = jsPattern(v);
    else if (k === "patternProperties" && v && typeof v === "object")
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [jsPattern(p), forJs(s)]));
    else out[k] = forJs(v);
  }
  return out;
}

/** SkyPilot's validator: Draft 7 plus its `case_insensitive_enum` keyword. */
export function eraValidators(era: string): { task: ValidateFunction; resources: ValidateFunction } {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addKeyword({
    keyword: "case_insensitive_enum",
    type: "string",
    schemaType: "array",
    validate: (values: string[], data: string) => values.some((v) => v.toLowerCase() === data.toLowerCase()),
  });
  return {
    task: ajv.compile(forJs(read(era, "task-schema.json")) as object),
    resources: ajv.compile(forJs(read(era, "resources-schema.json")) as object),
  };
}

/**
 * Parses `argv` (after the subcommand) as click would against the era's options; returns the problems
 * (an unknown option, a missing value, a value not among the choices), empty when click accepts it.
 */
export function argvProblems(facts: CliFacts, command: string, argv: readonly string[]): string[] {
  const spec = facts.commands[command];
  if (!spec) return [`${command}: no such command in this version`];
  const byName = new Map<string, Param>();
  for (const p of spec.params)
    if (p.kind === "option") for (const n of [...p.opts, ...p.secondary_opts]) byName.set(n, p);
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") continue;
    const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    const param = byName.get(name);
    if (!param) {
      problems.push(`No such option: ${name}`);
      continue;
    }
    if (param.is_flag) continue;
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
    if (value === undefined) problems.push(`Option '${name}' requires an argument.`);
    else if (param.type === "choice" && !param.choices?.includes(value))
      problems.push(`Invalid value for '${name}': '${value}'`);
    else if (param.type === "int" && !/^[+-]?\d+$/.test(value))
      problems.push(`Invalid value for '${name}': '${value}' is not a valid integer.`);
  }
  return problems;
}
