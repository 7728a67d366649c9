import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

async function importsOf(folder: string): Promise<{ file: string; from: string }[]> {
  const found: { file: string; from: string }[] = [];
  for (const name of await readdir(join(SRC, folder))) {
    if (!name.endsWith(".ts")) continue;
    const text = await readFile(join(SRC, folder, name), "utf8");
    for (const match of text.matchAll(/(?:from|import\()\s*"([^"]+)"/g))
      found.push({ file: `${folder}/${name}`, from: match[1] ?? "" });
  }
  return found;
}

describe("folder boundaries", () => {
  it.each(["watch", "pipeline"])(
    "%s/ imports nothing from cli/ (the CLI composes them, not the reverse)",
    async (folder) => {
      const imports = await importsOf(folder);
      expect(imports.length).toBeGreaterThan(5);
      expect(imports.filter((i) => i.from.includes("/cli/"))).toEqual([]);
    },
  );
});
