/**
 * Starts Debian's real `docker-registry` (distribution 2.8) on a free 127.0.0.1 port with htpasswd Basic
 * auth, in a throw-away directory (test/helpers/README.md). No Docker engine: content is pushed over HTTP
 * by `push.ts`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  stop(): Promise<void>;
  /** What the registry wrote to stderr (for a failing test's message). */
  log(): string;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startDockerRegistry(users: Record<string, string>): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "rhx-registry-"));
  // -i reads the password from stdin, so it never appears in a process list.
  const htpasswd = Object.entries(users)
    .map(([user, password]) =>
      execFileSync("htpasswd", ["-iBn", user], { input: password, encoding: "utf8" }).trim(),
    )
    .join("\n");
  await writeFile(join(dir, "htpasswd"), `${htpasswd}\n`);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await writeFile(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog: {disabled: true}",
      "storage:",
      `  filesystem: {rootdirectory: ${JSON.stringify(join(dir, "data"))}}`,
      "  delete: {enabled: true}",
      "http:",
      `  addr: ${host}`,
      "auth:",
      `  htpasswd: {realm: rhx-test, path: ${JSON.stringify(join(dir, "htpasswd"))}}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const origin = `http://${host}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  for (;;) {
    try {
      const response = await fetch(`${origin}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() - started > 15_000) {
      await stop();
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, origin, stop, log: () => stderr };
}
