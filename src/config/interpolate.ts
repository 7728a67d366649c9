import { isMap, isPair, isScalar, isSeq } from "yaml";
import type { Diagnostic, Severity } from "./diagnostic.ts";
import type { Environment } from "./env.ts";
import { locateOffset, type PathSegment, type SourceDocument } from "./source.ts";

/**
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` and `$$`, in
 * string values only, after YAML parsing: a value can never change the document's structure.
 *
 * Env files speak a slightly different dialect, the one dotenv-expand taught their users: `$VAR`
 * without braces, `\$` for a literal `$` (so `$$` is not special), and `${VAR:+alt}` / `${VAR+alt}`.
 * Both dialects look names up through a function, so nothing ever reads an object's prototype.
 */

export type ProblemKind = "unset" | "required" | "syntax" | "too-long";

export interface Problem {
  kind: ProblemKind;
  name: string;
  message?: string;
  /** Offset of the offending `$` in the string. */
  offset: number;
}

export interface StringResult {
  value: string;
  /** Names the string referred to whose value was used (for secret tracking and watch mode). */
  used: string[];
  problems: Problem[];
}

export type Dialect = "yaml" | "dotenv";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const NAME_START = /[A-Za-z_]/;
/** Sticky: matches at `lastIndex` without copying the rest of the string. */
const BARE_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** `${A:-${B:-…}}` nests; this deep is already unreadable, and deeper would exhaust the stack. */
export const MAX_NESTING = 16;

/**
 * The longest value interpolation builds. An environment variable longer than this cannot be passed
 * to a process anyway (Linux's MAX_ARG_STRLEN), and without a bound a few lines that each repeat
 * the one above (`B=$A$A$A…`, `C=$B$B$B…`) grow exponentially until memory runs out.
 */
export const MAX_VALUE_LENGTH = 128 * 1024;

/** Pure interpolation of one string; `lookup` returns undefined for an unset variable. */
export function interpolateString(
  text: string,
  lookup: (name: string) => string | undefined,
  dialect: Dialect = "yaml",
): StringResult {
  const result: StringResult = { value: "", used: [], problems: [] };
  result.value = expand(text, { lookup, dialect, used: result.used, problems: result.problems }, 0);
  return result;
}

interface Context {
  lookup: (name: string) => string | undefined;
  dialect: Dialect;
  used: string[];
  problems: Problem[];
}

function expand(text: string, context: Context, depth: number): string {
  const { dialect, problems } = context;
  // What the user wrote is theirs to keep, however long; only what substitution adds is bounded.
  const limit = Math.max(MAX_VALUE_LENGTH, text.length);
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (out.length > limit) {
      problems.push({ kind: "too-long", name: "", offset: Math.max(0, text.indexOf("$")) });
      return out.slice(0, limit);
    }
    const ch = text[i];
    const next = text[i + 1];
    if (dialect === "dotenv" && ch === "\\" && next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (ch !== "$") {
      // Runs of plain text in one step, up to the next `$` (whose `\` is checked above on the way).
      const dollar = text.indexOf("$", i + 1);
      const stop =
        dollar === -1 ? text.length : dialect === "dotenv" && text[dollar - 1] === "\\" ? dollar - 1 : dollar;
      out += text.slice(i, Math.max(stop, i + 1));
      i = Math.max(stop, i + 1);
      continue;
    }
    if (dialect === "yaml" && next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (dialect === "dotenv" && next !== undefined && NAME_START.test(next)) {
      BARE_NAME.lastIndex = i + 1;
      const name = BARE_NAME.exec(text)?.[0] ?? next;
      out += evaluate(name, i, context, depth);
      i += 1 + name.length;
      continue;
    }
    if (next !== "{") {
      out += "$";
      i++;
      continue;
    }
    const close = matchingBrace(text, i + 1);
    if (close === -1) {
      problems.push({ kind: "syntax", name: "", message: "`${` is never closed", offset: i });
      out += text.slice(i);
      break;
    }
    if (depth >= MAX_NESTING) {
      problems.push({
        kind: "syntax",
        name: "",
        message: `defaults are nested more than ${MAX_NESTING} levels deep`,
        offset: i,
      });
      break;
    }
    out += evaluate(text.slice(i + 2, close), i, context, depth);
    i = close + 1;
  }
  if (out.length > limit) {
    problems.push({ kind: "too-long", name: "", offset: Math.max(0, text.indexOf("$")) });
    return out.slice(0, limit);
  }
  return out;
}

function evaluate(expression: string, offset: number, context: Context, depth: number): string {
  const { lookup, used, problems } = context;
  const name = NAME.exec(expression)?.[0];
  if (!name) {
    problems.push({
      kind: "syntax",
      name: short(expression),
      message: `\`\${${short(expression)}}\` is not a variable name`,
      offset,
    });
    return "";
  }
  const rest = expression.slice(name.length);
  const operators = context.dialect === "dotenv" ? /^(:-|-|:\?|\?|:\+|\+)?/ : /^(:-|-|:\?|\?)?/;
  const op = operators.exec(rest)?.[0] ?? "";
  if (op === "" && rest !== "") {
    problems.push({
      kind: "syntax",
      name,
      message: `\`\${${short(expression)}}\` has an unknown operator; use :-, -, :? or ?`,
      offset,
    });
    return "";
  }
  const operand = rest.slice(op.length);
  const value = lookup(name);
  const unsetOrEmpty = value === undefined || value === "";
  const nested = () => {
    const before = problems.length;
    const inner = expand(operand, context, depth + 1);
    // Problems inside a default are reported at the outer `${`, which is what the file shows.
    for (let p = before; p < problems.length; p++) problems[p] = { ...(problems[p] as Problem), offset };
    return inner;
  };
  if (op === ":+" || op === "+") {
    // `${VAR:+alt}`: alt when VAR is set (and not empty), else nothing; VAR's value is never used.
    return (op === ":+" ? unsetOrEmpty : value === undefined) ? "" : nested();
  }
  if (op === ":-" || op === "-") {
    const useDefault = op === ":-" ? unsetOrEmpty : value === undefined;
    if (!useDefault) {
      used.push(name);
      return value ?? "";
    }
    return nested();
  }
  if (op === ":?" || op === "?") {
    if (op === ":?" ? unsetOrEmpty : value === undefined) {
      problems.push({ kind: "required", name, message: operand || undefined, offset } as Problem);
      return "";
    }
    used.push(name);
    return value ?? "";
  }
  if (value === undefined) {
    problems.push({ kind: "unset", name, offset });
    return "";
  }
  used.push(name);
  return value;
}

/** Messages quote what was written, but not a whole pasted blob. */
function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

export interface DocumentInterpolation {
  diagnostics: Diagnostic[];
  /** Paths whose value could not be fully resolved: schema errors there would only be noise. */
  unresolved: PathSegment[][];
  /** Variables the document used, each with the first path that used it. */
  used: Map<string, PathSegment[]>;
  /** Paths whose value contained `${…}`: everything else was written literally. */
  interpolated: PathSegment[][];
  /** Interpolated paths written unquoted and fully resolved: candidates for a number or boolean. */
  plain: PathSegment[][];
}

/** Interpolates every string value of a document in place. `unset` decides warning vs error. */
export function interpolateDocument(
  source: SourceDocument,
  env: Environment,
  unset: Severity,
): DocumentInterpolation {
  const result: DocumentInterpolation = {
    diagnostics: [],
    unresolved: [],
    used: new Map(),
    interpolated: [],
    plain: [],
  };
  const lookup = (name: string) => env.get(name)?.value;
  const visitNode = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) visitNode(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        visitNode(item, [...path, index]);
      });
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("$")) {
      const written = node.value;
      const interpolated = interpolateString(written, lookup);
      if (written.includes("${")) result.interpolated.push(path);
      node.value = interpolated.value;
      if (node.type === "PLAIN" && written.includes("${") && interpolated.problems.length === 0)
        result.plain.push(path);
      for (const name of interpolated.used) if (!result.used.has(name)) result.used.set(name, path);
      if (interpolated.problems.length > 0) result.unresolved.push(path);
      for (const problem of interpolated.problems) {
        result.diagnostics.push(
          toDiagnostic(source, node.range?.[0] ?? 0, node.range?.[1] ?? 0, problem, unset),
        );
      }
    }
  };
  visitNode(source.doc.contents, []);
  return result;
}

function toDiagnostic(
  source: SourceDocument,
  start: number,
  end: number,
  problem: Problem,
  unset: Severity,
): Diagnostic {
  // Point at the `${NAME` as written in the file; the frame shows the source, never a value.
  const token = problem.kind === "syntax" || problem.kind === "too-long" ? "${" : `\${${problem.name}`;
  const found = source.text.slice(start, end).indexOf(token);
  const offset = found === -1 ? start : start + found;
  const located = locateOffset(source, offset, found === -1 ? 1 : token.length + 1);
  if (problem.kind === "too-long") {
    return {
      code: "RHX_INTERPOLATION_TOO_LONG",
      severity: "error",
      message: `This value is longer than ${MAX_VALUE_LENGTH / 1024} KiB once its variables are filled in.`,
      hint: "No process can take an environment variable or argument that long; is a variable repeated by mistake?",
      ...located,
    };
  }
  if (problem.kind === "syntax") {
    return {
      code: "RHX_INTERPOLATION_SYNTAX",
      severity: "error",
      message: `Bad interpolation: ${problem.message}.`,
      hint: "Write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`.",
      ...located,
    };
  }
  const envHint = `Set ${problem.name} in the environment, in .env beside the file, or in an --env-file.`;
  if (problem.kind === "required") {
    return {
      code: "RHX_ENV_REQUIRED",
      severity: unset,
      message: problem.message
        ? `${problem.name} is required: ${problem.message}`
        : `${problem.name} is required but unset or empty.`,
      hint: envHint,
      ...located,
    };
  }
  return {
    code: "RHX_ENV_UNSET",
    severity: unset,
    message: `${problem.name} is not set.`,
    hint: `${envHint} Or give a default: \${${problem.name}:-value}.`,
    ...located,
  };
}
