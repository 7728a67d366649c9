/**
 * The top-level folders of src/ form layers: no folder may depend, through any chain of imports, on
 * a folder that depends on it, and watch mode (a subscriber of the pipeline) imports nothing from the
 * command line. The graph is read from the TypeScript imports, type-only ones included.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-cli.ts";
import { folderCycles, folderGraph } from "./imports.ts";

const graph = folderGraph(join(ROOT, "src"));

/** Folder dependencies allowed for now, each with the change that removes it. */
const KNOWN = new Set<string>([]);

/** The folder edges that remain once the known ones are set aside. */
function edgesWithout(known: ReadonlySet<string>): string[] {
  return [...graph.keys()].filter((edge) => !known.has(edge));
}

describe("folders of src/", () => {
  it("sees the imports (the graph is not empty)", () => {
    expect(graph.get("cli -> config")?.length ?? 0).toBeGreaterThan(0);
    expect(graph.get("drivers -> errors")?.length ?? 0).toBeGreaterThan(0);
  });

  it("have no import cycle between them", () => {
    const cycles = folderCycles(edgesWithout(KNOWN)).map((cycle) => `${cycle}\n${explain(cycle).join("\n")}`);
    expect(cycles).toEqual([]);
  });

  it("watch/ imports nothing from cli/", () => {
    const imports = KNOWN.has("watch -> cli") ? [] : (graph.get("watch -> cli") ?? []);
    expect(imports).toEqual([]);
  });

  it("every known exception still exists (delete it once its import is gone)", () => {
    expect([...KNOWN].filter((edge) => !graph.has(edge))).toEqual([]);
  });
});

describe("the cycle finder", () => {
  it("finds each cycle once, from its smallest folder", () => {
    expect(folderCycles(["b -> a", "a -> b", "b -> c", "c -> d"])).toEqual(["a -> b -> a"]);
    expect(folderCycles(["a -> b", "b -> c", "c -> a", "c -> b"])).toEqual([
      "a -> b -> c -> a",
      "b -> c -> b",
    ]);
    expect(folderCycles(["a -> b", "b -> c"])).toEqual([]);
  });
});

/** The imports behind each step of a cycle, for the failure message. */
function explain(cycle: string): string[] {
  const folders = cycle.split(" -> ");
  return folders.slice(1).flatMap((to, i) => {
    const edge = `${folders[i]} -> ${to}`;
    return (graph.get(edge) ?? []).map((imp) => `  ${imp.from} imports ${imp.to}`);
  });
}
