import { looksSecret } from "./env.ts";

/**
 * Secrets written literally in a config file: `password: …` (as in `docker.password`) and keys whose
 * names look secret (`HF_TOKEN: …`). Found line by line in the raw text, before the YAML is parsed,
 * so that a file with syntax errors still cannot print them: every diagnostic's code frame quotes
 * the file, and the redactor can only mask what it knows. `${…}` references are skipped; their
 * values come from the environment and are registered there.
 */
export function literalSecretsInText(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^[ \t]*(?:-[ \t]+)?(["']?)([A-Za-z_][\w.-]*)\1[ \t]*:[ \t]+(.+)$/.exec(line);
    if (!match) continue;
    const key = match[2] ?? "";
    if (key.toLowerCase() !== "password" && !looksSecret(key)) continue;
    const value = scalarText(match[3] ?? "");
    if (value !== undefined && value !== "" && !value.includes("${")) found.push(value);
  }
  return found;
}

/** The value of a one-line YAML scalar as written: quotes removed, a trailing comment dropped. */
function scalarText(raw: string): string | undefined {
  const text = raw.trim();
  if (/^[|>&*!{[]/.test(text)) return undefined;
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1);
    return end === -1 ? text.slice(1) : text.slice(1, end);
  }
  return text.replace(/[ \t]+#.*$/, "");
}

/**
 * A key that may own a secret, anywhere on a line: block (`password:`), in a flow mapping
 * (`{user: u, password: …`), quoted (`"password": …`), with properties before it (`&a password:`).
 * Its name is checked with looksSecret; the value starts after the colon.
 */
const KEY_ON_LINE =
  /(?<=^|[\s{,[])(?:(["'])([^"'\n]*)\1[ \t]*:|([^\s{}[\],"'#&!*|>][^\s{}[\],"'#]*?)[ \t]*:(?=[\s,}\]]|$))/g;
/** `? password` (an explicit key); its value is on a later line that starts with `:`. */
const EXPLICIT_KEY = /^(?:-[ \t]+)*\?[ \t]+(?:[&!][^\s]*[ \t]+)*(["']?)([^\s"'#]+)\1[ \t]*(?:#.*)?$/;
/** A value that is only a reference (`${NAME}`, `${NAME:?message}`): shown, its value is elsewhere. */
const REFERENCE_ONLY = /^(["']?)\$\{[A-Za-z_]\w*(?::\?[^}]*)?\}\1[ \t]*(?:#.*)?$/;

function isSecretKey(name: string): boolean {
  return looksSecret(name);
}

interface Owner {
  /** Lines indented more than this belong to the value (block context). */
  col: number;
  /** The key sits in a flow collection: the value ends at a `,` or a closing bracket, not by indentation. */
  flow: boolean;
  /** A block scalar (`|`, `>`): its lines are text, never quotes or brackets. */
  literal: boolean;
  quote: string | undefined;
  depth: number;
  ended: boolean;
  /** Nothing followed the colon, and no line has been read since: the value may be mis-indented. */
  empty: boolean;
}

interface Scan {
  quote: string | undefined;
  depth: number;
}

/**
 * For each 0-based line that may show a secret, the column from which to mask it. By shape, never
 * by parse, and on the safe side: after a secret-looking key the rest of its line is masked, and so
 * is every line the value could continue on — more indented lines (block scalars, a value on the next
 * line, nested mappings), an unclosed quote or bracket, the rest of a flow collection. An explicit
 * key (`? password` / `: value`) and an anchor whose alias is a secret's value (`&pw`) count too.
 * `${NAME}` references are left readable: their values are in the environment, and the redactor
 * knows those. Linear in the text.
 */
export function secretMaskStarts(text: string, starts: readonly number[]): Map<number, number> {
  const lineText = (i: number) => {
    const start = starts[i] ?? text.length;
    const next = starts[i + 1];
    const raw = text.slice(start, next === undefined ? text.length : next - 1);
    return raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  };
  const aliases = secretAliases(starts.length, lineText);
  const masks = new Map<number, number>();
  const flow: Scan = { quote: undefined, depth: 0 };
  // Several values can be open at once (a secret key inside another's unclosed quote); owners that
  // would behave the same from here on are kept once, so the list stays short.
  let owners: Owner[] = [];
  let explicit: number | undefined;
  for (let i = 0; i < starts.length; i++) {
    const line = lineText(i);
    const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
    const blank = indent === line.length;
    let maskFrom: number | undefined;
    owners = owners.filter((owner) => !owner.ended && ownsLine(owner, line, indent, blank));
    for (const owner of owners) {
      if (!owner.literal) scanValue(owner, line, indent);
      if (!blank) owner.empty = false;
    }
    if (owners.length > 0 && !blank) maskFrom = indent;
    let key: { at: number; value: number } | undefined;
    if (explicit !== undefined && !blank) {
      if (indent === explicit && line[indent] === ":") key = { at: indent, value: indent + 1 };
      if (indent <= explicit) explicit = undefined;
    }
    if (!key) {
      const named = EXPLICIT_KEY.exec(line.slice(indent));
      if (named && isSecretKey(named[2] ?? "")) explicit = indent + named[0].indexOf("?");
      else key = secretKeyOn(line, aliases);
    }
    if (key) {
      const before: Scan = { ...flow };
      scan(before, line, 0, key.at);
      const rest = line.slice(key.value).trim();
      const valueAt = key.value + (line.slice(key.value).length - line.slice(key.value).trimStart().length);
      if (rest !== "" && !rest.startsWith("#") && !REFERENCE_ONLY.test(rest))
        maskFrom = Math.min(maskFrom ?? valueAt, valueAt);
      const owner: Owner = {
        col: key.at === firstToken(line, indent) ? key.at : indent,
        flow: before.depth > 0,
        literal: /^(?:[&!][^\s]*[ \t]+)*[|>]/.test(rest),
        quote: undefined,
        depth: 0,
        ended: false,
        empty: rest === "" || rest.startsWith("#"),
      };
      if (!owner.literal) scanValue(owner, line, key.value);
      const same = (o: Owner) =>
        o.col === owner.col &&
        o.flow === owner.flow &&
        o.literal === owner.literal &&
        o.quote === owner.quote &&
        o.depth === owner.depth &&
        o.ended === owner.ended &&
        o.empty === owner.empty;
      if (!owners.some(same)) owners.push(owner);
    }
    if (maskFrom !== undefined) masks.set(i, maskFrom);
    advance(flow, line);
  }
  return masks;
}

/**
 * The flow depth carried from line to line. Quotes do not carry: in a broken file an unclosed quote
 * would hide every bracket after it, and counting a bracket too many only masks more.
 */
function advance(flow: Scan, line: string): void {
  scan(flow, line, 0, line.length);
  flow.quote = undefined;
}

/** Whether a line continues the value of the secret key that `owner` describes. */
function ownsLine(owner: Owner, line: string, indent: number, blank: boolean): boolean {
  if (owner.flow) return true; // until its `,` or closing bracket (`ended`)
  if (owner.quote !== undefined || owner.depth > 0 || blank || indent > owner.col) return true;
  // `password:` and, below it at the same indentation, a bare value: a mis-indented password.
  if (owner.empty && indent === owner.col && !/^[^\s#][^#]*?:(?:\s|$)/.test(line.slice(indent))) return true;
  // `password:` followed by `- item` at the key's own indentation is a sequence value.
  return indent === owner.col && line[indent] === "-" && /^-(?:[ \t]|$)/.test(line.slice(indent));
}

/** The column of a line's first token after `- ` and `? ` markers: where a block key would start. */
function firstToken(line: string, indent: number): number {
  const markers = /^(?:[-?][ \t]+)*/.exec(line.slice(indent))?.[0].length ?? 0;
  return indent + markers;
}

/** The first secret-looking key on a line (or an anchor a secret's alias uses), and its value's start. */
function secretKeyOn(line: string, aliases: ReadonlySet<string>): { at: number; value: number } | undefined {
  KEY_ON_LINE.lastIndex = 0;
  for (let match = KEY_ON_LINE.exec(line); match; match = KEY_ON_LINE.exec(line)) {
    if (isSecretKey(match[2] ?? match[3] ?? ""))
      return { at: match.index, value: match.index + match[0].length };
  }
  if (aliases.size === 0) return undefined;
  for (const anchor of line.matchAll(/(?<=^|[\s{,[])&([^\s{}[\],]+)/g))
    if (aliases.has(anchor[1] ?? "")) return { at: anchor.index, value: anchor.index + anchor[0].length };
  return undefined;
}

/** Anchors whose aliases are the values of secret keys (`password: *pw`): `&pw …` is a secret. */
function secretAliases(count: number, lineText: (i: number) => string): Set<string> {
  const aliases = new Set<string>();
  for (let i = 0; i < count; i++) {
    const line = lineText(i);
    if (!line.includes("*")) continue;
    const key = secretKeyOn(line, aliases);
    const alias = key && /^[ \t]*\*([^\s{}[\],]+)/.exec(line.slice(key.value));
    if (alias?.[1]) aliases.add(alias[1]);
  }
  return aliases;
}

/** Follows a secret value's quotes and brackets, to know where it ends. */
function scanValue(owner: Owner, line: string, from: number): void {
  const state: Scan = { quote: owner.quote, depth: owner.depth };
  const stop = scan(state, line, from, line.length, owner.flow);
  owner.quote = state.quote;
  owner.depth = state.depth;
  if (stop) owner.ended = true;
}

/**
 * Advances a quote/bracket state over line[from, to). With `flowValue`, returns true where a flow
 * value ends: a `,` at its own level, or the bracket that closes its collection.
 */
function scan(state: Scan, line: string, from: number, to: number, flowValue = false): boolean {
  for (let i = from; i < to; i++) {
    const ch = line[i];
    if (state.quote !== undefined) {
      if (ch === "\\" && state.quote === '"') i++;
      else if (ch === state.quote) state.quote = undefined;
      continue;
    }
    const before = i === 0 ? " " : line[i - 1];
    const space = before === " " || before === "\t";
    if ((ch === '"' || ch === "'") && (space || before === "[" || before === "{" || before === ","))
      state.quote = ch;
    else if (ch === "#" && space) break;
    else if (ch === "[" || ch === "{") state.depth++;
    else if (ch === "]" || ch === "}") {
      state.depth--;
      if (flowValue && state.depth < 0) return true;
    } else if (ch === "," && flowValue && state.depth === 0) return true;
  }
  if (state.depth < 0) state.depth = 0;
  return false;
}
