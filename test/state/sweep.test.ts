import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createDockerCli } from "../../src/drivers/local/docker.ts";
import { withThrowawayDockerConfig } from "../../src/drivers/local/docker-config.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { safeHost } from "../../src/state/owner.ts";
import { runDir } from "../../src/state/paths.ts";
import { sweepLeftovers } from "../../src/state/sweep.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-sweep-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ["-e", ""]);
  await child;
  return child.pid ?? 0;
}

it("removes the docker configs of dead rhx processes on this host, never a live one's", async () => {
  const run = runDir(dir, safeHost());
  const dead = await deadPid();
  await mkdir(join(run, `docker-config-${dead}-abc123`), { recursive: true });
  await writeFile(join(run, `docker-config-${dead}-abc123`, "config.json"), "{}");
  await mkdir(join(run, `docker-config-${process.pid}-def456`));
  await mkdir(join(dir, "run", "other-host", `docker-config-${dead}-abc123`), { recursive: true });
  const removed = await sweepLeftovers(dir);
  expect(removed).toEqual([join(run, `docker-config-${dead}-abc123`)]);
  expect(await readdir(run)).toEqual([`docker-config-${process.pid}-def456`]);
  expect(await readdir(join(dir, "run", "other-host"))).toHaveLength(1);
});

it("a state dir that does not exist yet is nothing to sweep", async () => {
  expect(await sweepLeftovers(join(dir, "missing"))).toEqual([]);
});

it("the throw-away docker config is made in the given dir, named after this pid, and removed after", async () => {
  const run = runDir(dir, safeHost());
  let seen = "";
  await withThrowawayDockerConfig(
    createDockerCli({ env: process.env, redactor: new Redactor() }),
    undefined,
    async (env) => {
      seen = String(env.DOCKER_CONFIG);
      expect((await readdir(run)).length).toBe(1);
    },
    run,
  );
  expect(seen.startsWith(join(run, `docker-config-${process.pid}-`))).toBe(true);
  expect(await readdir(run)).toEqual([]);
});
