import { LineCounter, parseAllDocuments, type YAMLError } from "yaml";
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
  if (!Array.isArray(parsed)) {
    // An empty stream: no documents at all.
    return { documents: [], diagnostics: [emptyFile(file)] };
  }
  const documents: SourceDocument[] = [];
  parsed.forEach((doc, index) => {
    const source: SourceDocument = { file, text, index, doc, lineCounter };
    for (const error of doc.errors) diagnostics.push(yamlDiagnostic(source, error, "error"));
    for (const warning of doc.warnings) diagnostics.push(yamlDiagnostic(source, warning, "warning"));
    if (doc.errors.length === 0 && doc.contents === null) {
      // A trailing `---` or a comment-only document is harmless unless it is the only one.
      if (parsed.length === 1) diagnostics.push(emptyFile(file));
      return;
    }
    documents.push(source);
  });
  return { documents, diagnostics };
}

function yamlDiagnostic(source: SourceDocument, error: YAMLError, severity: "error" | "warning"): Diagnostic {
  const located = locateOffset(source, error.pos[0], Math.max(1, error.pos[1] - error.pos[0]));
  const firstLine = error.message.split("\n")[0] ?? error.message;
  return {
    code: `RHX_YAML_${error.code}`,
    severity,
    message: `${firstLine.replace(/ at line \d+, column \d+:?$/, "")}.`.replace(/\.\.$/, "."),
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
