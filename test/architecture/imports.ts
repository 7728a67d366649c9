/**
 * The import graph of src/, read with TypeScript's own pre-processor (every `import`, `import type`,
 * `export … from` and `import()`), reduced to its top-level folders: `cli`, `config`, `drivers`, …
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One import that crosses folders, as paths relative to src/. */
export interface CrossImport {
  from: string;
  to: string;
}

/** "a -> b" to the imports that make folder a depend on folder b. */
export type FolderGraph = Map<string, CrossImport[]>;

export function folderGraph(srcDir: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of tsFiles(srcDir)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const from = relative(srcDir, file);
      const to = relative(srcDir, resolve(dirname(file), fileName));
      const edge = `${folderOf(from)} -> ${folderOf(to)}`;
      if (folderOf(from) === folderOf(to)) continue;
      graph.set(edge, [...(graph.get(edge) ?? []), { from, to }]);
    }
  }
  return graph;
}

/** The top-level folder of a path relative to src/ (a file directly in src/ is its own "folder"). */
export function folderOf(path: string): string {
  return path.split("/")[0] ?? path;
}

/**
 * Every cycle between folders, each as its folders in order ("cli -> watch -> cli"), found by a depth
 * first search from each folder that reports a cycle once (starting at its smallest folder name).
 */
export function folderCycles(edges: Iterable<string>): string[] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    const [from, to] = edge.split(" -> ") as [string, string];
    next.set(from, (next.get(from) ?? new Set()).add(to));
  }
  const cycles: string[] = [];
  const walk = (start: string, at: string, path: string[]): void => {
    for (const to of [...(next.get(at) ?? [])].sort(byName)) {
      if (to === start) cycles.push([...path, start].join(" -> "));
      else if (to > start && !path.includes(to)) walk(start, to, [...path, to]);
    }
  };
  for (const start of [...next.keys()].sort(byName)) walk(start, start, [start]);
  return cycles;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}
