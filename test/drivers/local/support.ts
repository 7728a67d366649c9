import { readdirSync, readFileSync } from "node:fs";
import type { ClusterSpec, DockerCredentials } from "../../../src/config/cluster.ts";
import { removeContainers, uniqueName } from "../../helpers/docker-env.ts";

/** Every cluster these tests create starts with this, so one afterAll can sweep leftovers by name. */
export const CLUSTER_PREFIX = `ld-${process.pid.toString(36)}`;

export function clusterName(): string {
  return uniqueName(CLUSTER_PREFIX);
}

export function clusterSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: clusterName(),
    provider: "local",
    num_nodes: 1,
    use_spot: false,
    autostop_mins: -1,
    open_ports: [],
    image_id: "docker:rhx-test/busybox:1",
    platform: "linux/amd64",
    env: {},
    setup: [],
    runhouse: { version: "0.0.36", install: false },
    server: { port: 32300, den_auth: false, health_path: "/check", health_timeout_secs: 30 },
    sky: { resources: {}, launch: {} },
    ...overrides,
  };
}

export function credentials(username: string, password: string, server: string): DockerCredentials {
  return { username, password, server, source: "environment" };
}

export function step(overrides: { signal?: AbortSignal; timeoutMs?: number } = {}) {
  const lines: string[] = [];
  return {
    lines,
    options: {
      signal: overrides.signal ?? new AbortController().signal,
      onOutput: (line: string) => lines.push(line),
      timeoutMs: overrides.timeoutMs,
    },
  };
}

/** Removes every container of this test process (the driver's `rhx-<cluster>` ones). */
export function sweep(): Promise<string[]> {
  return removeContainers({ namePrefix: `rhx-${CLUSTER_PREFIX}` });
}

/**
 * Samples the argv of every process on this machine every few milliseconds while `body` runs, and
 * returns the ones containing `needle`, plus the docker invocations it saw (proof that it was
 * looking while the driver worked).
 */
export async function watchArgv<T>(
  needle: string,
  body: () => Promise<T>,
): Promise<{ value: T | undefined; error: unknown; hits: string[]; dockerSeen: string[] }> {
  const hits = new Set<string>();
  const seen = new Set<string>();
  let running = true;
  // Synchronous reads: one sweep of /proc takes a few ms this way, against hundreds with async reads
  // under load, and a short-lived `docker login` must not slip between two sweeps.
  const sweepOnce = () => {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
      let text = "";
      try {
        text = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        continue; // exited between readdir and read
      }
      if (text.includes(needle)) hits.add(text);
      if (/(^|\/)docker /.test(text)) seen.add(`${pid} ${text}`);
    }
  };
  const sampler = (async () => {
    while (running) {
      sweepOnce();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  let value: T | undefined;
  let error: unknown;
  try {
    value = await body();
  } catch (caught) {
    error = caught;
  } finally {
    running = false;
    await sampler;
  }
  return { value, error, hits: [...hits], dockerSeen: [...seen] };
}
