import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
  type Document as YamlDocument,
} from "yaml";
import type { SourceLocation } from "../errors/rhx-error.ts";
import { secretMaskStarts } from "./file-secrets.ts";

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

/** What a code frame shows in place of a value that may be a secret. */
export const FRAME_MASK = "******";

/** Where `path` is in the source: the value by default, or the key itself (for unknown keys). */
export function locatePath(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: "value" | "key" = "value",
): Located {
  const range = rangeOf(source, path, target);
  return locateOffset(source, range[0], Math.max(1, range[1] - range[0]));
}

/** Only where `path` is: for a cluster's own location, which needs no frame. */
export function locationOf(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: "value" | "key" = "value",
): SourceLocation {
  const range = rangeOf(source, path, target);
  const { line, col } = source.lineCounter.linePos(range[0]);
  const room = lineLength(indexText(source.text), line) - col + 1;
  return {
    file: source.file,
    line,
    column: col,
    length: Math.max(1, Math.min(Math.max(1, range[1] - range[0]), room)),
  };
}

export function locateOffset(source: SourceDocument, offset: number, length = 1): Located {
  const { line, col } = source.lineCounter.linePos(offset);
  const clipped = Math.max(1, Math.min(length, lineLength(indexText(source.text), line) - col + 1));
  return {
    location: { file: source.file, line, column: col, length: clipped },
    frame: codeFrame(source.text, line, col, clipped),
  };
}

/**
 * Two lines of source (the one before and the one at fault) and a caret line under the fault.
 * Whatever follows a secret-looking key is masked (file-secrets.ts), found by the text's shape
 * rather than by a parse, so that a file which does not parse cannot print a password either.
 */
export function codeFrame(text: string, line: number, column: number, length = 1): string {
  const index = indexText(text);
  const lines: string[] = [];
  const width = String(line).length;
  // Far along a long line, both lines are shown from a little before the column, after a `…`:
  // the caret stays under its text, and a frame stays a few hundred characters wherever it points.
  const shift = column - 1 > MAX_FRAME_WIDTH - LEAD ? column - 1 - LEAD : 0;
  const prefix = shift > 0 ? "…" : "";
  let caret = { start: column - 1 - shift, end: column - 1 - shift + Math.max(1, length) };
  for (let n = Math.max(1, line - 1); n <= line; n++) {
    const shown = masked(index, n, shift);
    if (n === line) caret = shown.caret(caret.start, caret.end);
    const lead = lineLength(index, n) > shift ? prefix : "";
    lines.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lead}${printable(shown.text)}`);
  }
  const end = Math.min(caret.end, caret.start + MAX_FRAME_WIDTH);
  lines.push(
    `  ${" ".repeat(width)} | ${" ".repeat(caret.start + prefix.length)}${"^".repeat(Math.max(1, end - caret.start))}`,
  );
  return lines.join("\n");
}

/** Frames show at most this much of a line: a 1 MB one-line file must not become a 1 MB message. */
const MAX_FRAME_WIDTH = 200;
/** How much of a long line a frame shows before the column it points at. */
const LEAD = 40;

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

/**
 * Where each line starts, computed once per text: looking a line up is then a binary search, not a
 * scan from the top (which made 25,000 diagnostics on a 240 KB file take half a minute).
 */
interface TextIndex {
  text: string;
  starts: number[];
  /** Per 0-based line, the column from which the line may hold a secret (computed on first use). */
  masks?: Map<number, number>;
}

// One entry: a run validates one file at a time, and every frame of it asks for the same text.
let lastIndex: TextIndex | undefined;

function indexText(text: string): TextIndex {
  if (lastIndex?.text === text) return lastIndex;
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  lastIndex = { text, starts };
  return lastIndex;
}

/**
 * A line's text, at most `limit` characters of it: a frame shows 200, and copying a 1 MB line for
 * each of thousands of diagnostics on it made a one-line file quadratic.
 */
function lineOf(index: TextIndex, line: number, from = 0): string {
  const start = index.starts[line - 1];
  if (start === undefined) return "";
  const end = start + lineLength(index, line);
  return index.text.slice(Math.min(end, start + from), Math.min(end, start + from + MAX_FRAME_WIDTH + 1));
}

function lineLength(index: TextIndex, line: number): number {
  const start = index.starts[line - 1];
  if (start === undefined) return 0;
  const next = index.starts[line];
  const end = next === undefined ? index.text.length : next - 1;
  return end - start - (end > start && index.text.charCodeAt(end - 1) === 13 ? 1 : 0);
}

/**
 * Whether text[start, end) overlaps what frames mask: a message about it must not quote it either
 * (the YAML parser's "Unexpected scalar token …: \"<the token>\"").
 */
export function overlapsMasked(text: string, start: number, end: number): boolean {
  const index = indexText(text);
  index.masks ??= secretMaskStarts(index.text, index.starts);
  const first = lineIndexOf(index, start);
  const last = lineIndexOf(index, Math.max(start, end - 1));
  for (let i = first; i <= last; i++) {
    const from = index.masks.get(i);
    if (from === undefined) continue;
    const lineStart = index.starts[i] ?? 0;
    if (i < last || end - lineStart > from) return true;
  }
  return false;
}

/** The 0-based line holding `offset`: a binary search of the line starts. */
function lineIndexOf(index: TextIndex, offset: number): number {
  let low = 0;
  let high = index.starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((index.starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** A line as a frame shows it, and how a caret under the original line moves with the mask. */
function masked(
  index: TextIndex,
  line: number,
  shift: number,
): { text: string; caret(start: number, end: number): { start: number; end: number } } {
  // The part of the line a frame shows, from `shift` on; columns below are relative to it.
  const raw = lineOf(index, line, shift);
  index.masks ??= secretMaskStarts(index.text, index.starts);
  const at = index.masks.get(line - 1);
  const from = at === undefined ? undefined : Math.max(0, at - shift);
  const hidden = at !== undefined && at < shift; // masked from before the part shown
  if (from === undefined || (!hidden && raw.slice(from).trim() === ""))
    return { text: raw, caret: (start, end) => ({ start, end }) };
  const maskEnd = from + FRAME_MASK.length;
  return {
    text: raw.slice(0, from) + FRAME_MASK,
    // A caret inside the masked part points at the mask; one starting before it keeps its column.
    caret: (start, end) =>
      start >= from
        ? { start: from, end: maskEnd }
        : { start, end: Math.max(start + 1, Math.min(end, maskEnd)) },
  };
}

/**
 * A mapping's pairs by key, built the first time a path goes through the mapping and kept with it:
 * a lookup per diagnostic is then a map access, not a search of the mapping (quadratic with many
 * keys), and mappings no path goes through are never indexed.
 */
const pairIndexes = new WeakMap<object, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: PathSegment): Pair | undefined {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      // The first of duplicate keys wins, as a search from the top would find it.
      if (!index.has(name)) index.set(name, pair);
    }
    pairIndexes.set(map, index);
  }
  return index.get(String(key));
}

function rangeOf(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: "value" | "key",
): [number, number] {
  let node: unknown = source.doc.contents;
  let best: [number, number] = rangeOfNode(node) ?? [0, 1];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] ?? "";
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairOf(node, segment);
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
