import { isCollection, isScalar, type Node, visit } from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { locateOffset, type SourceDocument } from "./source.ts";

/**
 * YAML can make values a cluster file has no use for: `!!set` (keys without values), `!!binary`
 * (bytes), `!!omap` / `!!pairs`, `!!timestamp` (a date), and numbers too large to be numbers
 * (`1e400` is Infinity). Left to the schema they turn into nonsense: a set is an empty mapping that
 * validates as `env: {}`, bytes are "a mapping", and Infinity is printed as `null`. Refuse them
 * here, at the tag or the number as written.
 */
const TAGS: Record<string, { what: string; hint: string }> = {
  "tag:yaml.org,2002:set": {
    what: "a YAML set (`!!set`): keys without values",
    hint: "Write a mapping with a value for each key, e.g. `{A: x, B: y}`.",
  },
  "tag:yaml.org,2002:omap": {
    what: "an ordered mapping (`!!omap`)",
    hint: "Remove the tag: a plain mapping keeps the order it is written in.",
  },
  "tag:yaml.org,2002:pairs": {
    what: "a list of pairs (`!!pairs`)",
    hint: "Remove the tag and write a plain mapping or list.",
  },
  "tag:yaml.org,2002:binary": {
    what: "binary data (`!!binary`), not text",
    hint: "Remove the `!!binary` tag and write the value as text.",
  },
  "tag:yaml.org,2002:timestamp": {
    what: "a timestamp (`!!timestamp`), not text",
    hint: 'Remove the tag; quote the date (`"2001-12-14"`) to keep it as text.',
  },
};

/** `.inf` and `.nan` say what they mean; a schema error names them well enough. */
const WRITTEN_NON_FINITE = /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/;

export function checkYamlValues(source: SourceDocument): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  visit(source.doc, {
    Node(_key, node: Node) {
      const tag = node.tag ? TAGS[node.tag] : undefined;
      if (tag && (isCollection(node) || isScalar(node))) {
        const start = node.range?.[0] ?? 0;
        const at = tagOffset(source.text, start);
        const length =
          at === start
            ? (node.range?.[1] ?? start + 1) - start
            : (/^\S+/.exec(source.text.slice(at, start))?.[0].length ?? 1);
        diagnostics.push({
          code: "RHX_YAML_UNSUPPORTED_TAG",
          severity: "error",
          message: `This value is ${tag.what}; rhx reads mappings, lists, text, numbers and booleans.`,
          hint: tag.hint,
          ...locateOffset(source, at, Math.max(1, length)),
        });
        return visit.SKIP;
      }
      if (isScalar(node) && typeof node.value === "number" && !Number.isFinite(node.value)) {
        const written = String(node.source ?? source.text.slice(node.range?.[0] ?? 0, node.range?.[1] ?? 0));
        if (WRITTEN_NON_FINITE.test(written.trim())) return;
        const start = node.range?.[0] ?? 0;
        diagnostics.push({
          code: "RHX_YAML_NUMBER_RANGE",
          severity: "error",
          message: `The number ${short(written)} is out of range: it is not a finite number.`,
          hint: "Write a number in range, or quote it if it is text.",
          ...locateOffset(source, start, Math.max(1, (node.range?.[1] ?? start + 1) - start)),
        });
      }
    },
  });
  return diagnostics;
}

/** Where the `!tag` before a node starts (the node's range leaves it out); the node itself if none. */
function tagOffset(text: string, start: number): number {
  let bang = text.lastIndexOf("!", start);
  while (bang > 0 && text[bang - 1] === "!") bang--; // `!!set` starts at the first `!`
  return bang !== -1 && /^!\S*\s+$/.test(text.slice(bang, start)) ? bang : start;
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
