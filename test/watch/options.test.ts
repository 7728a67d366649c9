import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  chokidarOptions,
  displayPath,
  ignoredBy,
  isEditorNoise,
  watchTargets,
} from "../../src/watch/options.ts";

const root = join("/", "project");

describe("watch options", () => {
  it.each([
    ["cluster.yaml.swp", true],
    [".cluster.yaml.swo", true],
    ["cluster.yaml~", true],
    [".#cluster.yaml", true],
    ["#cluster.yaml#", true],
    ["4913", true],
    ["cluster.yaml.tmp", true],
    ["cluster.yaml___jb_tmp___", true],
    [".git", true],
    ["node_modules", true],
    ["cluster.yaml", false],
    [".env", false],
    ["prod.env", false],
    ["49131", false],
  ])("%s is editor or tool noise: %s", (name, noise) => {
    expect(isEditorNoise(join(root, name))).toBe(noise);
  });

  it("judges noise by the entry's own name, not by the folders above it", () => {
    expect(isEditorNoise(join("/", "home", "node_modules", "app", "cluster.yaml"))).toBe(false);
  });

  it("watches the parent directories and passes only the exact files", () => {
    const targets = watchTargets(["cluster.yaml", ".env", "../shared/prod.env"], root);
    expect(new Set(targets.dirs)).toEqual(new Set([join("/", "shared"), root]));
    const ignored = ignoredBy(targets);
    expect(ignored(root)).toBe(false);
    expect(ignored(join(root, "cluster.yaml"))).toBe(false);
    expect(ignored(join(root, ".env"))).toBe(false);
    expect(ignored(join("/", "shared", "prod.env"))).toBe(false);
    for (const other of ["cluster.yaml.swp", "4913", "cluster.yaml~", "other.yaml", ".git", "node_modules"])
      expect(ignored(join(root, other))).toBe(true);
    expect(ignored(join("/", "shared", ".env"))).toBe(true);
  });

  it("a file the user named counts even when its name looks like noise", () => {
    const ignored = ignoredBy(watchTargets(["draft.tmp"], root));
    expect(ignored(join(root, "draft.tmp"))).toBe(false);
  });

  it("chokidar options: no initial events, one directory level, atomic saves folded", () => {
    const options = chokidarOptions(watchTargets(["cluster.yaml"], root));
    expect(options).toMatchObject({ ignoreInitial: true, depth: 0, atomic: true, awaitWriteFinish: false });
    expect(chokidarOptions(watchTargets([], root), { usePolling: true }).usePolling).toBe(true);
  });

  it("shows paths relative to the working directory when inside it", () => {
    expect(displayPath(join(root, "cluster.yaml"), root)).toBe("cluster.yaml");
    expect(displayPath(join("/", "elsewhere", ".env"), root)).toBe(join("/", "elsewhere", ".env"));
  });
});
