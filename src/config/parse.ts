import { isScalar, LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { locateOffset, type SourceDocument } from "./source.ts";

export interface ParseResult {
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: "YAML indents with spaces; replace the tabs.",
  DUPLICATE_KEY: "Each key may appear once per mapping; remove or rename one of them.",
  BAD_INDENT: "Check that keys at the same level line up.",
  MISSING_CHAR: "A quote or bracket is not closed.",
  BLOCK_AS_IMPLICIT_KEY: "A key is missing its `:`, or a value is indented too far.",
  MULTILINE_IMPLICIT_KEY: "A key is missing its `:` (write `key: value`), or a line is indented wrongly.",
  UNEXPECTED_TOKEN: "Check the punctuation here; quote the value if it contains `:`, `#`, `[` or `{`.",
  BAD_SCALAR_START: "Quote the value: it starts with a character YAML reserves.",
  BAD_DQ_ESCAPE: "Inside double quotes a backslash starts an escape; use single quotes, or write `\\`.",
  TAG_RESOLVE_FAILED: "rhx reads plain YAML; remove the `!tag`.",
  KEY_OVER_1024_CHARS: "A key is at most 1024 characters; is a `:` missing after a key?",
  MULTIPLE_ANCHORS: "A node takes one `&anchor`.",
  BAD_ALIAS: "An alias `*name` must refer to an `&name` defined before it.",
};

/** YAML text → one SourceDocument per `---` document; syntax errors become located diagnostics. */
export function parseConfigText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const parsed = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const documents: SourceDocument[] = [];
  // An empty stream parses to no documents at all; a comment-only one too.
  const all = Array.isArray(parsed) ? parsed : [];
  all.forEach((doc, index) => {
    const source: SourceDocument = { file, text, index, doc, lineCounter };
    for (const error of doc.errors) diagnostics.push(yamlDiagnostic(source, error, "error"));
    for (const warning of doc.warnings) diagnostics.push(yamlDiagnostic(source, warning, "warning"));
    // A leading or trailing `---`, or a comment-only document, holds no cluster: skip it.
    if (doc.errors.length === 0 && isEmpty(doc.contents)) return;
    documents.push(source);
  });
  if (documents.length === 0 && diagnostics.every((d) => d.severity !== "error"))
    diagnostics.push(emptyFile(file));
  return { documents, diagnostics };
}

function isEmpty(contents: unknown): boolean {
  return contents === null || (isScalar(contents) && contents.value === null);
}

function yamlDiagnostic(source: SourceDocument, error: YAMLError, severity: "error" | "warning"): Diagnostic {
  const located = locateOffset(source, error.pos[0], Math.max(1, error.pos[1] - error.pos[0]));
  const firstLine = error.message.split("\n")[0] ?? error.message;
  const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]{1,80}?)[ \t]*:/.exec(source.text.slice(error.pos[0]))?.[1];
  const message =
    error.code === "DUPLICATE_KEY" && key
      ? `The key \`${key}\` appears twice in the same mapping.`
      : `${firstLine.replace(/ at line \d+, column \d+:?$/, "")}.`.replace(/\.\.$/, ".");
  return {
    code: `RHX_YAML_${error.code}`,
    severity,
    message,
    hint: YAML_HINTS[error.code],
    ...located,
  };
}

function emptyFile(file: string): Diagnostic {
  return {
    code: "RHX_CONFIG_EMPTY",
    severity: "error",
    message: `${file} has no cluster in it.`,
    hint: "A cluster file needs at least `name`, `provider` and `image_id`; `rhx init` writes a starter.",
    location: { file, line: 1, column: 1 },
  };
}
