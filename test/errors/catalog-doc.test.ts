import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ERRORS_DOC_PATH, headingAnchor, renderErrorsDoc } from "../../scripts/gen-errors-doc.ts";
import { type CodeEntry, docLink, ERROR_CODES, type ErrorCode } from "../../src/errors/codes.ts";
import { ROOT } from "../helpers/run-cli.ts";

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

test("docs/errors.md is what the catalog generates", async () => {
  const checkedIn = await readFile(join(ROOT, ERRORS_DOC_PATH), "utf8");
  expect(
    checkedIn === renderErrorsDoc(),
    `${ERRORS_DOC_PATH} is stale: run \`npm run errors\` and commit it`,
  ).toBe(true);
});

test("every code has a heading whose anchor is the one rhx prints", () => {
  const headings = renderErrorsDoc()
    .split("\n")
    .filter((line) => line.startsWith("### "))
    .map((line) => line.slice(4));
  expect(headings).toHaveLength(codes.length);
  expect(new Set(headings)).toEqual(new Set(codes));
  for (const code of codes) {
    expect(headingAnchor(code)).toBe(ERROR_CODES[code].anchor);
    expect(docLink(code)).toBe(`docs/errors.md#${headingAnchor(code)}`);
  }
});

test("each code is listed under its exit code, with its summary", () => {
  const page = renderErrorsDoc();
  const sectionOf = (code: ErrorCode) => {
    const at = page.indexOf(`\n### ${code}\n`);
    return page
      .slice(0, at)
      .match(/\n## ([^\n]*)\n/g)
      ?.at(-1);
  };
  expect(sectionOf("RHX_LOCKED")).toContain("## Exit 5:");
  expect(sectionOf("RHX_CANCELLED")).toContain("## Exit 130:");
  expect(sectionOf("RHX_ENV_UNSET")).toContain("## Exit 4:");
  expect(sectionOf("RHX_YAML_BAD_INDENT")).toContain("## Exit 3:");
  expect(sectionOf("RHX_SECRET_IN_FILE")).toContain("## Warnings");
  expect(page).toContain(`### RHX_LOCKED\n\n${ERROR_CODES.RHX_LOCKED.summary} _error_\n`);
});

test("the page follows a change to the catalog (it is generated, not written)", () => {
  const changed: Record<string, CodeEntry> = {
    ...ERROR_CODES,
    RHX_LOCKED: {
      ...ERROR_CODES.RHX_LOCKED,
      summary: "Changed on purpose.",
      reserved: "kept for old scripts",
    },
  };
  expect(renderErrorsDoc(changed)).toContain(
    "### RHX_LOCKED\n\nChanged on purpose. _error_ · _reserved: kept for old scripts_\n",
  );
});
