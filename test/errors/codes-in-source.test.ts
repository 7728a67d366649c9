/**
 * The catalog and the source agree: every `RHX_…` word in src/ is a code of the catalog (or one of the
 * few environment names that share the prefix), every code is raised somewhere (or marked reserved),
 * and an exit code written next to a code is the catalog's own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { ERROR_CODES, type ErrorCode, isErrorCode, YAML_PARSER_CODES } from "../../src/errors/codes.ts";
import { ExitCode } from "../../src/errors/exit-codes.ts";
import { ROOT } from "../helpers/run-cli.ts";

/** `RHX_…` words in src/ that are not codes, and why. */
const NOT_CODES: Readonly<Record<string, string>> = {
  RHX_DEBUG: "environment variable: show stack traces",
  RHX_STATE_DIR: "environment variable: the state dir",
  RHX_CODE_CACHE: "environment variable: 0 turns the bundle's V8 code cache off",
  RHX_BUNDLE_HASH: "the build's hash of the bundle, keying its code cache",
  RHX_EXEC_ID: "marker in the local driver's exec script",
};

const CATALOG = "src/errors/codes.ts";
const YAML_TEMPLATE = "`RHX_YAML_${";

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles("src").map((path) => ({ path, text: readFileSync(join(ROOT, path), "utf8") }));
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe("every RHX_ word in src/ is a code of the catalog", () => {
  const words = new Map<string, string>();
  for (const { path, text } of files)
    for (const [word] of text.matchAll(/\bRHX_[A-Z0-9_]*/g)) if (!words.has(word)) words.set(word, path);

  test("or a name listed as not a code", () => {
    const unknown = [...words].filter(
      ([word]) => !isErrorCode(word) && !(word in NOT_CODES) && !word.endsWith("_"),
    );
    expect(unknown.map(([word, path]) => `${word} (${path})`)).toEqual([]);
  });

  test("a prefix ending in _ is the YAML parser's template, and only that", () => {
    // `RHX_` alone is the prefix named in prose (`RHX_…`).
    const prefixes = [...words.keys()].filter((word) => word.endsWith("_") && word !== "RHX_");
    expect(prefixes).toEqual(["RHX_YAML_"]);
    const templates = files
      .filter(({ path, text }) => path !== CATALOG && text.includes(YAML_TEMPLATE))
      .map(({ path }) => path);
    expect(templates).toEqual(["src/config/parse.ts"]);
  });

  test("no name listed as not a code is one", () => {
    for (const name of Object.keys(NOT_CODES)) expect(isErrorCode(name), name).toBe(false);
  });
});

test("every code of the catalog is raised somewhere in src/, or is reserved with a reason", () => {
  const source = files.filter(({ path }) => path !== CATALOG);
  const quoted = new Set(
    source.flatMap(({ text }) => [...text.matchAll(/"(RHX_[A-Z0-9_]+)"/g)].map((m) => m[1])),
  );
  const yamlCodes = new Set<string>(YAML_PARSER_CODES.map((code) => `RHX_YAML_${code}`));
  const templated = source.some(({ text }) => text.includes(YAML_TEMPLATE));
  const unused = codes.filter(
    (code) => !ERROR_CODES[code].reserved && !quoted.has(code) && !(templated && yamlCodes.has(code)),
  );
  expect(unused).toEqual([]);
  const reservedButRaised = codes.filter((code) => ERROR_CODES[code].reserved && quoted.has(code));
  expect(reservedButRaised).toEqual([]);
});

/** `{ code: "RHX_…", exitCode: ExitCode.X }` in src/: the pairs written out in one object literal. */
function writtenExitCodes(): { at: string; code: string; exit: string }[] {
  const pairs: { at: string; code: string; exit: string }[] = [];
  for (const { path, text } of files) {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node)) {
        const property = (name: string) =>
          node.properties.find(
            (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === name,
          )?.initializer;
        const code = property("code");
        const exit = property("exitCode");
        if (code && exit && ts.isStringLiteral(code) && ts.isPropertyAccessExpression(exit)) {
          const { line } = file.getLineAndCharacterOfPosition(node.getStart());
          pairs.push({
            at: `${relative(ROOT, join(ROOT, path))}:${line + 1}`,
            code: code.text,
            exit: exit.name.text,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return pairs;
}

test("an exit code written next to a code is the catalog's (the catalog is right, not overridden)", () => {
  const pairs = writtenExitCodes();
  expect(pairs.length).toBeGreaterThan(20);
  const differing = pairs.filter(({ code, exit }) => {
    const written = ExitCode[exit as keyof typeof ExitCode];
    return !isErrorCode(code) || written !== ERROR_CODES[code].exit;
  });
  expect(differing).toEqual([]);
});
