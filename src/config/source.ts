import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Document as YamlDocument,
} from "yaml";
import type { SourceLocation } from "../errors/rhx-error.ts";

export type PathSegment = string | number;

/** One YAML document of a config file, with what is needed to point back into the source text. */
export interface SourceDocument {
  file: string;
  text: string;
  /** 0-based position of the document in a multi-document file. */
  index: number;
  doc: YamlDocument.Parsed;
  lineCounter: LineCounter;
}

export interface Located {
  location: SourceLocation;
  frame: string;
}

/** Where `path` is in the source: the value by default, or the key itself (for unknown keys). */
export function locatePath(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: "value" | "key" = "value",
): Located {
  const range = rangeOf(source, path, target);
  return locateOffset(source, range[0], Math.max(1, range[1] - range[0]));
}

export function locateOffset(source: SourceDocument, offset: number, length = 1): Located {
  const { line, col } = source.lineCounter.linePos(offset);
  const lineText = lineAt(source.text, line);
  const clipped = Math.max(1, Math.min(length, lineText.length - col + 1));
  return {
    location: { file: source.file, line, column: col, length: clipped },
    frame: codeFrame(source.text, line, col, clipped),
  };
}

/** Two lines of source (the one before and the one at fault) and a caret line under the fault. */
export function codeFrame(text: string, line: number, column: number, length = 1): string {
  const lines: string[] = [];
  const width = String(line).length;
  for (let n = Math.max(1, line - 1); n <= line; n++) {
    lines.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${printable(lineAt(text, n))}`);
  }
  lines.push(
    `  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}${"^".repeat(Math.max(1, length))}`,
  );
  return lines.join("\n");
}

/** Frames show at most this much of a line: a 1 MB one-line file must not become a 1 MB message. */
const MAX_FRAME_WIDTH = 200;

function printable(line: string): string {
  // Tabs and control characters would misalign the caret (or drive the terminal); a frame must
  // never carry raw junk. A tab becomes one space so columns still line up.
  let out = "";
  for (const ch of line.slice(0, MAX_FRAME_WIDTH)) {
    const code = ch.charCodeAt(0);
    out += ch === "\t" ? " " : code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) ? "?" : ch;
  }
  return out;
}

function lineAt(text: string, line: number): string {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf("\n", start);
    if (next === -1) return "";
    start = next + 1;
  }
  const end = text.indexOf("\n", start);
  return text.slice(start, end === -1 ? undefined : end).replace(/\r$/, "");
}

function rangeOf(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: "value" | "key",
): [number, number] {
  let node: unknown = source.doc.contents;
  let best: [number, number] = rangeOfNode(node) ?? [0, 1];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return best;
      const keyRange = rangeOfNode(pair.key);
      if (last && target === "key" && keyRange) return keyRange;
      node = pair.value;
      best = rangeOfNode(node) ?? keyRange ?? best;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      best = rangeOfNode(node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function rangeOfNode(node: unknown): [number, number] | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  // For collections, point at their first line only: underlining a whole block helps nobody.
  if (isMap(node) || isSeq(node)) return [range[0], range[0] + 1];
  return [range[0], range[1]];
}
