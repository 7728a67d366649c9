// `rhx apply` of a `num_nodes: 2` cloud cluster through the CLI, against the fake `sky` (which runs a
// job once per node and plays the `NAME-worker1` ssh host): what runs on which node, in which order.
// Runhouse's restart_server order: install on every node, the server (and Ray head) on the head, then
// the workers joined to the head's Ray; the health check on the head.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SkyCliBox } from "../drivers/skypilot/cli-support.ts";
import { freePort } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { STACK_LINE } from "../helpers/run-cli.ts";
import { Pusher } from "../registry/helpers/push.ts";

const USER = "deploy-bot";
const PASSWORD = "Rhx-E2E-Sky-Multinode-Password-7b31";

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({ users: { [USER]: PASSWORD } });
  await Pusher.basic(registry.url, USER, PASSWORD).image("team/app", "1.0", {
    os: "linux",
    architecture: "amd64",
  });
});

afterAll(async () => {
  await (registry as TestRegistry | undefined)?.stop();
});

interface NodeRecord {
  program: string;
  host?: string;
  jobName?: string | null;
  node?: string;
  step?: string;
  event?: string;
}

describe("SkyPilot 0.12.1, num_nodes: 2", { timeout: 900_000 }, () => {
  const box = new SkyCliBox("0.12.1");
  const nodeRecord = join(box.base, "nodes.jsonl");
  afterAll(() => box.cleanup(), 300_000);

  it("apply: install and setup on both nodes, server on the head, the worker joins, health on the head", async () => {
    const port = await freePort();
    writeFileSync(
      join(box.bin, "ray"),
      '#!/bin/sh\necho "$*" >>"$HOME/ray.log"\necho "Ray runtime started."\n',
      { mode: 0o755 },
    );
    box.writeEnv({
      SKYPILOT_DOCKER_USERNAME: USER,
      SKYPILOT_DOCKER_PASSWORD: PASSWORD,
      SKYPILOT_DOCKER_SERVER: registry.host,
    });
    box.writeConfig({
      name: "multi",
      provider: "aws",
      region: "us-east-1",
      num_nodes: 2,
      image_id: "docker:team/app:1.0",
      setup: ['echo "setup on rank $SKYPILOT_NODE_RANK" > setup.txt'],
      server: { port, health_timeout_secs: 60 },
    });

    const apply = await box.rhx(["apply", "--yes"], { FAKE_SKY_NODE_RECORD: nodeRecord });
    expect(apply.stderr).not.toMatch(STACK_LINE);
    expect(apply.stderr).toContain("✓ multi is ready");
    expect(apply.exitCode).toBe(0);

    const records = readFileSync(nodeRecord, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as NodeRecord);
    // Each phase with the nodes it ran on (a job's nodes start and end in any order among themselves).
    const phases: string[] = [];
    for (const r of records) {
      const phase =
        r.program === "ssh" ? `ssh ${r.host}` : r.step === "run" ? `${r.jobName} ${r.event}` : undefined;
      if (phase === undefined) continue;
      const last = phases.at(-1);
      if (last?.startsWith(`${phase} @`)) phases[phases.length - 1] = `${last},${r.node}`;
      else phases.push(`${phase} @${r.node}`);
    }
    expect(
      phases.map((p) => p.replace(/@(.*)$/, (_, nodes: string) => `@${nodes.split(",").sort().join(",")}`)),
    ).toEqual([
      "rhx-exec start @head,worker1", // runhouse install
      "rhx-exec end @head,worker1",
      "rhx-exec start @head,worker1", // setup
      "rhx-exec end @head,worker1",
      "ssh multi @head", // server start (and Runhouse's Ray head)
      "rhx-nodes start @head,worker1", // the head's internal IP
      "rhx-nodes end @head,worker1",
      "ssh multi-worker1 @worker1", // ray start --address=<head>:6379
      "rhx-health start @head,worker1",
      "rhx-health end @head,worker1",
    ]);

    const head = box.clusterHome("multi");
    const worker = join(box.skyState, "nodes", "multi", "worker1");
    expect(readFileSync(join(head, "sky_workdir", "setup.txt"), "utf8")).toBe("setup on rank 0\n");
    expect(readFileSync(join(worker, "sky_workdir", "setup.txt"), "utf8")).toBe("setup on rank 1\n");
    expect(readFileSync(join(worker, "ray.log"), "utf8")).toBe(
      "start --address=127.0.0.1:6379 --disable-usage-stats\n",
    );
    expect(existsSync(join(head, "ray.log"))).toBe(false);
    expect(existsSync(join(worker, ".rh"))).toBe(false);
    expect(await fetch(`http://127.0.0.1:${port}/check`).then((r) => r.text())).toContain("0.0.36");
  });
});
