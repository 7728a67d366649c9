import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FileWatcher, watchFiles } from "../../src/watch/files.ts";

/** Real files and real chokidar: every way an editor saves must be seen, and nothing else. */
describe("watchFiles", () => {
  let dir: string;
  let watcher: FileWatcher | undefined;
  let seen: string[];
  const config = () => join(dir, "cluster.yaml");

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-watch-files-"));
    seen = [];
    await writeFile(config(), "name: a\n");
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (inputs: string[]) => {
    watcher = await watchFiles(inputs, {
      onChange: (path) => seen.push(path),
      onError: (e) => seen.push(`error ${e.message}`),
    });
  };
  /** Waits until `path` was reported (after `from`), then a little longer to catch anything extra. */
  const reported = async (path: string, from = 0) => {
    const deadline = Date.now() + 5_000;
    while (!seen.slice(from).includes(path)) {
      if (Date.now() > deadline) throw new Error(`${path} was not reported; seen: ${seen.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    return seen.slice(from);
  };

  it("reports a plain write, and nothing for other files in the directory", async () => {
    await start([config()]);
    await writeFile(join(dir, "other.yaml"), "x");
    await mkdir(join(dir, "node_modules"));
    await writeFile(join(dir, "node_modules", "cluster.yaml"), "x");
    await writeFile(config(), "name: b\n");
    expect(new Set(await reported(config()))).toEqual(new Set([config()]));
  });

  it("keeps seeing a file that an editor replaces by rename (atomic save), save after save", async () => {
    await start([config()]);
    for (let i = 0; i < 3; i++) {
      const from = seen.length;
      await writeFile(join(dir, "cluster.yaml.tmp"), `name: r${i}\n`);
      await rename(join(dir, "cluster.yaml.tmp"), config());
      expect(new Set(await reported(config(), from))).toEqual(new Set([config()]));
    }
  });

  it("follows vim's save dance (4913 probe, backup~, swap file) and reports only the config", async () => {
    await start([config()]);
    await writeFile(join(dir, ".cluster.yaml.swp"), "swap");
    await writeFile(join(dir, "4913"), "");
    await unlink(join(dir, "4913"));
    await rename(config(), join(dir, "cluster.yaml~"));
    await writeFile(config(), "name: vim\n");
    await unlink(join(dir, "cluster.yaml~"));
    await writeFile(join(dir, ".#cluster.yaml"), "emacs lock");
    expect(new Set(await reported(config()))).toEqual(new Set([config()]));
    const from = seen.length;
    await writeFile(config(), "name: again\n");
    await reported(config(), from);
  });

  it("sees a .env that did not exist when watching began, and a file deleted and written again", async () => {
    const env = join(dir, ".env");
    await start([config(), env]);
    expect(watcher?.files).toEqual([env, config()].sort((a, b) => a.localeCompare(b)));
    await writeFile(env, "A=1\n");
    await reported(env);
    const from = seen.length;
    await unlink(config());
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(config(), "name: back\n");
    await reported(config(), from);
    const again = seen.length;
    await writeFile(config(), "name: still watched\n");
    await reported(config(), again);
  });

  it("update() watches files in a new directory and stops reporting the dropped ones", async () => {
    const other = join(dir, "elsewhere");
    await mkdir(other);
    const envFile = join(other, "prod.env");
    await writeFile(envFile, "A=1\n");
    await start([config()]);
    watcher?.update([envFile]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(envFile, "A=2\n");
    await reported(envFile);
    const from = seen.length;
    await writeFile(config(), "name: dropped\n");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.slice(from)).toEqual([]);
  });
});
