import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { codeFrame, locateOffset, overlapsMasked, type SourceDocument } from "./source.ts";
import { checkYamlValues } from "./yaml-values.ts";

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

/**
 * Collections nested deeper than this are refused before the YAML parser sees them: the parser
 * recurses per level, and a few KiB of `[[[[…` would exhaust the stack (a cluster needs 4 levels).
 */
export const MAX_NESTING = 64;

/**
 * Entries (block lines, `- ` items, flow items) a file may hold; beyond this it is refused before
 * parsing, with the place where the count ran over. The YAML parser costs some microseconds per node,
 * so a 1 MiB file of one-character flow items would take it many seconds; a cluster file has a few
 * dozen entries, and a generated one a few thousand.
 */
export const MAX_ENTRIES = 30_000;

/** YAML text → one SourceDocument per `---` document; syntax errors become located diagnostics. */
export function parseConfigText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const excess = findExcessiveStructure(text);
  if (excess !== undefined) {
    lineCounter.addNewLine(0);
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
    const { line, col } = lineCounter.linePos(excess.offset);
    const [code, message, hint] =
      excess.kind === "deep"
        ? ([
            "RHX_YAML_TOO_DEEP",
            `Collections are nested more than ${MAX_NESTING} levels deep.`,
            "A cluster file nests a few levels at most; is this the right file?",
          ] as const)
        : ([
            "RHX_YAML_TOO_MANY_ENTRIES",
            `The file has more than ${MAX_ENTRIES.toLocaleString("en-US")} entries (keys, list items); this is the first one over.`,
            "A cluster file has a few dozen entries; is this the right file?",
          ] as const);
    return {
      documents: [],
      diagnostics: [
        {
          code,
          severity: "error",
          message,
          hint,
          location: { file, line, column: col, length: 1 },
          frame: codeFrame(text, line, col),
        },
      ],
    };
  }
  const parsed = parseSafely(text, lineCounter);
  if (parsed instanceof Error) {
    // The parser reports its own problems as errors; this is only for what it did not foresee.
    return {
      documents: [],
      diagnostics: [
        {
          code: "RHX_YAML_UNPARSABLE",
          severity: "error",
          message: `The YAML parser gave up on this file (${parsed.message}).`,
          hint: "Is this the right file?",
          location: { file, line: 1, column: 1 },
        },
      ],
    };
  }
  const documents: SourceDocument[] = [];
  // An empty stream parses to no documents at all; a comment-only one too.
  const all = Array.isArray(parsed) ? parsed : [];
  all.forEach((doc, index) => {
    const source: SourceDocument = { file, text, index, doc, lineCounter };
    for (const error of doc.errors) diagnostics.push(yamlDiagnostic(source, error, "error"));
    for (const warning of doc.warnings) diagnostics.push(yamlDiagnostic(source, warning, "warning"));
    for (const duplicate of duplicateKeys(doc.contents))
      diagnostics.push(yamlDiagnostic(source, duplicate, "error"));
    if (doc.errors.length === 0) diagnostics.push(...checkYamlValues(source));
    // A leading or trailing `---`, or a comment-only document, holds no cluster: skip it.
    if (doc.errors.length === 0 && isEmpty(doc.contents)) return;
    documents.push(source);
  });
  if (documents.length === 0 && diagnostics.every((d) => d.severity !== "error"))
    diagnostics.push(emptyFile(file));
  return { documents, diagnostics };
}

function parseSafely(text: string, lineCounter: LineCounter) {
  try {
    // Duplicate keys are found by duplicateKeys below: the parser's own check searches the mapping
    // for every key, which is quadratic (80,000 keys took minutes).
    return parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

type YamlProblem = Pick<YAMLError, "code" | "message" | "pos">;

/**
 * Keys that repeat in a mapping, as the parser's `uniqueKeys` finds them (scalars by value, other
 * keys by identity), with one set per mapping: linear. Nesting is bounded, so the recursion is too.
 */
function duplicateKeys(root: unknown): YamlProblem[] {
  const found: YamlProblem[] = [];
  const walk = (node: unknown) => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const identity = isScalar(key) ? key.value : key;
        // NaN is never equal to itself, as with the parser's own `===`.
        if (seen.has(identity) && !Number.isNaN(identity)) {
          const start = (key as { range?: [number, number] } | null)?.range?.[0] ?? 0;
          found.push({ code: "DUPLICATE_KEY", message: "Map keys must be unique", pos: [start, start + 1] });
        }
        seen.add(identity);
        walk(pair.key);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(root);
  return found;
}

/**
 * Where the text first nests deeper than MAX_NESTING, or first holds more than MAX_ENTRIES entries:
 * flow brackets and `,` (outside quotes and comments), block levels (a stack of indentations, plus
 * `- ` markers that open a level on the same line) and block lines. An estimate on the safe side: it
 * never parses, so it cannot be made to recurse, and it is linear.
 */
function findExcessiveStructure(text: string): { kind: "deep" | "many"; offset: number } | undefined {
  let entries = 0;
  let flow = 0;
  let interpolation = 0;
  let quote: string | undefined;
  const indents: number[] = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    let end = text.indexOf("\n", lineStart);
    if (end === -1) end = text.length;
    let i = lineStart;
    while (text[i] === " ") i++;
    const indent = i - lineStart;
    if (flow === 0 && !quote && i < end && text[i] !== "#" && text[i] !== "\r") {
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
      let markers = 0;
      while (text[i] === "-" && (text[i + 1] === " " || text[i + 1] === "\t")) {
        markers++;
        i += 2;
        while (text[i] === " " || text[i] === "\t") i++;
      }
      if (indents.length + markers > MAX_NESTING) return { kind: "deep", offset: lineStart + indent };
      entries += 1 + markers;
      if (entries > MAX_ENTRIES) return { kind: "many", offset: lineStart + indent };
    }
    for (; i < end; i++) {
      const ch = text[i];
      if (quote) {
        if (ch === "\\" && quote === '"') i++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") {
        const before = text[i - 1];
        if (
          i === lineStart ||
          before === " " ||
          before === "\t" ||
          before === "[" ||
          before === "{" ||
          before === ","
        )
          quote = ch;
      } else if (ch === "#" && (i === lineStart || text[i - 1] === " " || text[i - 1] === "\t")) {
        break;
      } else if (ch === "{" && text[i - 1] === "$") {
        interpolation++; // `${…}` is interpolation, not a flow mapping
      } else if (ch === "[" || ch === "{" || (ch === "," && flow > 0)) {
        if (++entries > MAX_ENTRIES) return { kind: "many", offset: i };
        if (ch !== "," && ++flow + indents.length > MAX_NESTING) return { kind: "deep", offset: i };
      } else if (ch === "}" && interpolation > 0) {
        interpolation--;
      } else if ((ch === "]" || ch === "}") && flow > 0) {
        flow--;
      }
    }
    lineStart = end + 1;
    interpolation = 0;
  }
  return undefined;
}

function isEmpty(contents: unknown): boolean {
  return contents === null || (isScalar(contents) && contents.value === null);
}

function yamlDiagnostic(
  source: SourceDocument,
  error: YamlProblem,
  severity: "error" | "warning",
): Diagnostic {
  const located = locateOffset(source, error.pos[0], Math.max(1, error.pos[1] - error.pos[0]));
  let firstLine = error.message.split("\n")[0] ?? error.message;
  // Some messages quote the token at fault ("…: \"<token>\""); where frames mask, so do messages.
  if (overlapsMasked(source.text, error.pos[0], error.pos[1])) firstLine = firstLine.replace(/:\s.*$/, "");
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
