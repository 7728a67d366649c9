// Multi-node clusters through the SkyPilot driver against the fake `sky`, which runs a job once per
// node (each node with its own home, rank and IP) and plays SkyPilot's `NAME-workerI` ssh hosts:
// Runhouse installed on every node, the server (and Runhouse's Ray head) on the head, then each worker
// joined to the head's Ray over ssh, the health check polled on the head.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { workerHosts } from "../../../src/drivers/skypilot/nodes.ts";
import { isRhxError, type RhxError } from "../../../src/errors/rhx-error.ts";
import { installCommand, serverStartCommand } from "../../../src/runhouse/commands.ts";
import { workerJoinCommand } from "../../../src/runhouse/workers.ts";
import { freePort } from "../../helpers/docker-env.ts";
import { CREDENTIALS, clusterSpec, SkyBox, step, VERSIONS } from "./support.ts";

const boxes: SkyBox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0).reverse()) await b.cleanup();
});

/** A fake `ray` on the nodes: records its argv in the node's home; fails where `ray-fails` exists. */
function writeFakeRay(bin: string): void {
  writeFileSync(
    join(bin, "ray"),
    `#!/bin/sh
echo "$*" >>"$HOME/ray.log"
if [ -f "$HOME/ray-fails" ]; then echo "ConnectionError: could not reach the GCS" >&2; exit 1; fi
echo "Ray runtime started."
`,
    { mode: 0o755 },
  );
}

async function upCluster(version: string, numNodes: number, extra: Record<string, string> = {}) {
  const b = new SkyBox(version, extra);
  boxes.push(b);
  b.env.FAKE_SKY_NODE_RECORD = join(b.dir, "nodes.jsonl");
  writeFakeRay(b.bin);
  b.own("demo");
  const port = await freePort();
  const spec = clusterSpec({ num_nodes: numNodes, server: { port, health_timeout_secs: 30 } }, CREDENTIALS);
  const driver = b.driver();
  await driver.launch(spec, step());
  return { b, spec, driver, port };
}

interface NodeRecord {
  program: string;
  host?: string;
  jobName?: string | null;
  node?: string;
  step?: string;
  event?: string;
  rank?: number;
  ip?: string;
}

/** FAKE_SKY_NODE_RECORD, one line per node step or ssh session. */
function nodeRecords(b: SkyBox): NodeRecord[] {
  const file = join(b.dir, "nodes.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as NodeRecord);
}

/** The fake's node record as a timeline: `ssh <host> @<node>` and `job <name> <event> @<node>` lines. */
function timeline(b: SkyBox): string[] {
  return nodeRecords(b).flatMap((r) => {
    if (r.program === "ssh") return [`ssh ${r.host} @${r.node}`];
    if (r.program === "job" && r.step === "run") return [`job ${r.jobName} ${r.event} @${r.node}`];
    return [];
  });
}

/** The job lines of one job, in order: head and workers interleave, so compare as sets per phase. */
function phases(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const phase = line.replace(/ @\S+$/, "");
    const nodes = line.slice(line.lastIndexOf("@") + 1);
    const last = out.at(-1);
    if (last?.startsWith(`${phase} @`)) out[out.length - 1] = `${last},${nodes}`;
    else out.push(`${phase} @${nodes}`);
  }
  return out.map((p) => {
    const [head, nodes] = p.split(" @");
    return `${head} @${(nodes ?? "").split(",").sort().join(",")}`;
  });
}

async function failure(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRhxError(error)) throw new Error(`expected an RhxError, got ${String(error)}`);
  return error;
}

describe("worker ssh hosts", () => {
  it("are SkyPilot's NAME-worker1…: none for one node", () => {
    expect(workerHosts({ name: "gpu", num_nodes: 3 })).toEqual(["gpu-worker1", "gpu-worker2"]);
    expect(workerHosts({ name: "gpu", num_nodes: 1 })).toEqual([]);
  });

  it("the join command is Runhouse's, after ending only the old head's Ray processes", () => {
    expect(workerJoinCommand("10.128.0.7")).toBe(
      "pkill -f '10\\.128\\.0\\.7:6379' 2>/dev/null; ray start --address=10.128.0.7:6379 --disable-usage-stats",
    );
  });
});

describe.each(VERSIONS)("SkyPilot %s, num_nodes: 2", { timeout: 240_000 }, (version) => {
  it("install and setup on every node; server on the head, then the worker joins; health on the head", async () => {
    const { b, spec, driver, port } = await upCluster(version, 2);
    const install = await driver.exec(spec, installCommand("0.0.36"), step());
    expect(install).toEqual({
      exitCode: 0,
      tail: ["runhouse 0.0.36 is already installed", "runhouse 0.0.36 is already installed"],
    });
    expect((await driver.exec(spec, "touch setup-done", step())).exitCode).toBe(0);
    const lines: string[] = [];
    expect((await driver.exec(spec, serverStartCommand(spec), step(lines))).exitCode).toBe(0);
    await driver.waitForServer(spec, step());

    const headHome = b.clusterHome("demo");
    const workerHome = join(b.skyStateDir, "nodes", "demo", "worker1");
    // Setup ran on both nodes, each in its own home.
    for (const home of [headHome, workerHome])
      expect(existsSync(join(home, "sky_workdir", "setup-done"))).toBe(true);
    // The server (and Runhouse's Ray head) on the head only; the worker joined the head's internal IP.
    expect(readFileSync(join(headHome, ".rh", "server.log"), "utf8")).toContain(
      `runhouse server restart --port ${port}`,
    );
    expect(existsSync(join(workerHome, ".rh"))).toBe(false);
    expect(readFileSync(join(workerHome, "ray.log"), "utf8")).toBe(
      "start --address=127.0.0.1:6379 --disable-usage-stats\n",
    );
    expect(existsSync(join(headHome, "ray.log"))).toBe(false);
    expect(lines).toContain("joining demo-worker1 to the Ray head at 127.0.0.1");

    expect(phases(timeline(b))).toEqual([
      "job rhx-exec start @head,worker1", // install
      "job rhx-exec end @head,worker1",
      "job rhx-exec start @head,worker1", // setup
      "job rhx-exec end @head,worker1",
      "ssh demo @head", // server start (+ Ray head)
      "job rhx-nodes start @head,worker1", // the head's internal IP
      "job rhx-nodes end @head,worker1",
      "ssh demo-worker1 @worker1", // ray start --address=<head>:6379
      "job rhx-health start @head,worker1",
      "job rhx-health end @head,worker1",
    ]);
  });

  it("the health check polls on the head even when Ray would place a small job on a worker", async () => {
    const { b, spec, driver } = await upCluster(version, 2, { FAKE_SKY_BUSY_HEAD: "1" });
    expect((await driver.exec(spec, serverStartCommand(spec), step())).exitCode).toBe(0);
    const health: string[] = [];
    await driver.waitForServer(spec, step(health));
    expect(health.filter((l) => l.startsWith("rhx-health:"))).toHaveLength(1);
    const runs = nodeRecords(b).filter(
      (r) => r.program === "job" && r.jobName === "rhx-health" && r.event === "start",
    );
    expect(runs.map((r) => [r.node, r.rank])).toEqual(
      expect.arrayContaining([
        ["head", 0],
        ["worker1", 1],
      ]),
    );
  });

  // The next two do not depend on the SkyPilot era (the fake's per-node job runner is the same in
  // every one): run once, on the newest era, so the other era reports them as skipped on purpose.
  it.runIf(version === "0.12.1")(
    "a worker that cannot join fails the server step with its output",
    async () => {
      const { b, spec, driver } = await upCluster(version, 2);
      const workerHome = join(b.skyStateDir, "nodes", "demo", "worker1");
      // The worker's home exists once something ran there.
      expect((await driver.exec(spec, "true", step())).exitCode).toBe(0);
      writeFileSync(join(workerHome, "ray-fails"), "");
      const error = await failure(driver.exec(spec, serverStartCommand(spec), step()));
      expect(error.code).toBe("RHX_SKY_WORKER_JOIN_FAILED");
      expect(error.message).toContain("Ray on demo-worker1 did not join the head at 127.0.0.1");
      expect(error.message).toContain("ConnectionError: could not reach the GCS");
    },
  );

  it.runIf(version === "0.12.1")(
    "a job's exit code is the first failing node's; output of both nodes without sky's prefixes",
    async () => {
      const { driver, spec } = await upCluster(version, 2);
      const result = await driver.exec(
        spec,
        'echo "rank $SKYPILOT_NODE_RANK"; [ "$SKYPILOT_NODE_RANK" = 1 ] && exit 3; true',
        step(),
      );
      expect(result.exitCode).toBe(3);
      expect([...result.tail].sort((x, y) => x.localeCompare(y))).toEqual(["rank 0", "rank 1"]);
    },
  );
});

describe("SkyPilot 0.12.1, num_nodes: 1", { timeout: 240_000 }, () => {
  it("no node lookup and no worker ssh", async () => {
    const { b, spec, driver } = await upCluster("0.12.1", 1);
    expect((await driver.exec(spec, serverStartCommand(spec), step())).exitCode).toBe(0);
    await driver.waitForServer(spec, step());
    expect(timeline(b)).toEqual(["ssh demo @head", "job rhx-health start @head", "job rhx-health end @head"]);
  });
});
