import type { PathSegment } from "./source.ts";

/**
 * Interpolation makes strings: `num_nodes: ${NODES}` is the string "2" after it. Where the schema
 * wants a number or a boolean and no string, an unquoted `${…}` value is read the way YAML reads a
 * literal (`2`, `1.5`, `true`), so it validates as if it had been written there. A quoted `"${…}"`
 * stays a string, and no value ever becomes more than a scalar.
 */
export function coerceInterpolated(root: unknown, paths: readonly PathSegment[][], schema: unknown): void {
  for (const path of paths) {
    const last = path.at(-1);
    if (last === undefined) continue;
    const parent = walkValue(root, path.slice(0, -1));
    if (parent === null || typeof parent !== "object") continue;
    const container = parent as Record<string | number, unknown>;
    const text = container[last];
    if (typeof text !== "string") continue;
    const typed = yamlScalar(text);
    if (typed === text) continue;
    const types = typesAt(schema, path);
    if (types.has("string") || types.size === 0) continue;
    if (types.has(typeof typed) || (typeof typed === "number" && types.has("integer")))
      container[last] = typed;
  }
}

/** YAML 1.2 core schema's decimal integers, floats and booleans; anything else stays the string. */
export function yamlScalar(text: string): string | number | boolean {
  if (/^[-+]?[0-9]+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) {
    // `1e400` is Infinity as a number, which the schema would print as `null`: keep the text.
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  return text;
}

function walkValue(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

interface SchemaNode {
  type?: string | string[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** The JSON types the schema allows at `path` (through properties, records, items and anyOf). */
function typesAt(schema: unknown, path: readonly PathSegment[]): Set<string> {
  let nodes = [schema as SchemaNode];
  for (const segment of path) {
    const next: SchemaNode[] = [];
    for (const node of nodes.flatMap(branches)) {
      const property = node.properties?.[String(segment)];
      if (property) next.push(property);
      else if (node.patternProperties) next.push(...Object.values(node.patternProperties));
      if (typeof segment === "number" && node.items) next.push(node.items);
    }
    nodes = next;
  }
  const types = new Set<string>();
  for (const node of nodes.flatMap(branches)) {
    for (const type of [node.type ?? []].flat()) types.add(type);
  }
  return types;
}

function branches(node: SchemaNode): SchemaNode[] {
  return node.anyOf ? node.anyOf.flatMap(branches) : [node];
}
