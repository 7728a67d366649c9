import { isMap, isPair, isScalar, isSeq } from "yaml";
import type { Diagnostic, Severity } from "./diagnostic.ts";
import type { Environment } from "./env.ts";
import { locateOffset, type PathSegment, type SourceDocument } from "./source.ts";

/**
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` and `$$`, in
 * string values only, after YAML parsing: a value can never change the document's structure.
 */

export type ProblemKind = "unset" | "required" | "syntax";

export interface Problem {
  kind: ProblemKind;
  name: string;
  message?: string;
  /** Offset of the offending `${` in the string. */
  offset: number;
}

export interface StringResult {
  value: string;
  /** Names the string referred to whose value was used (for secret tracking and watch mode). */
  used: string[];
  problems: Problem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** `${A:-${B:-…}}` nests; this deep is already unreadable, and deeper would exhaust the stack. */
export const MAX_NESTING = 16;

/** Pure interpolation of one string; `lookup` returns undefined for an unset variable. */
export function interpolateString(
  text: string,
  lookup: (name: string) => string | undefined,
  depth = 0,
): StringResult {
  const used: string[] = [];
  const problems: Problem[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
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
    const expression = text.slice(i + 2, close);
    if (depth >= MAX_NESTING) {
      problems.push({
        kind: "syntax",
        name: "",
        message: `defaults are nested more than ${MAX_NESTING} levels deep`,
        offset: i,
      });
      break;
    }
    out += evaluate(expression, i, lookup, used, problems, depth);
    i = close + 1;
  }
  return { value: out, used, problems };
}

function evaluate(
  expression: string,
  offset: number,
  lookup: (name: string) => string | undefined,
  used: string[],
  problems: Problem[],
  depth: number,
): string {
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
  const op = /^(:-|-|:\?|\?)?/.exec(rest)?.[0] ?? "";
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
  if (op === ":-" || op === "-") {
    const useDefault = op === ":-" ? unsetOrEmpty : value === undefined;
    if (!useDefault) {
      used.push(name);
      return value ?? "";
    }
    const inner = interpolateString(operand, lookup, depth + 1);
    used.push(...inner.used);
    problems.push(...inner.problems.map((p) => ({ ...p, offset })));
    return inner.value;
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
  const token = problem.kind === "syntax" ? "${" : `\${${problem.name}`;
  const found = source.text.slice(start, end).indexOf(token);
  const offset = found === -1 ? start : start + found;
  const located = locateOffset(source, offset, found === -1 ? 1 : token.length + 1);
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
