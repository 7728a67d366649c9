import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { ExitCode } from "../../src/errors/exit-codes.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { acquireLock, forceUnlock, isStale, type LockOwner, readOwner } from "../../src/state/lock.ts";
import { statePaths } from "../../src/state/paths.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-lock-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockPath = () => statePaths(dir, "dev").lock;

/** The pid of a process that has exited: what a crashed rhx leaves in its lock. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid;
}

async function writeLock(owner: Partial<LockOwner> | string): Promise<void> {
  await mkdir(dirname(lockPath()), { recursive: true });
  await writeFile(lockPath(), typeof owner === "string" ? owner : `${JSON.stringify(owner)}\n`);
}

async function rejection(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RhxError);
  return error as RhxError;
}

describe("acquireLock", () => {
  it("writes who holds it, privately, and release removes it (twice is fine)", async () => {
    const lock = await acquireLock(dir, "dev", { command: "rhx apply" });
    const owner = JSON.parse(await readFile(lockPath(), "utf8"));
    expect(owner).toEqual({
      pid: process.pid,
      host: hostname(),
      startedAt: expect.any(String),
      command: "rhx apply",
    });
    expect((await stat(lockPath())).mode & 0o777).toBe(0o600);
    await lock.release();
    await lock.release();
    await expect(stat(lockPath())).rejects.toThrow();
  });

  it("answers a second acquirer with RHX_LOCKED (exit 5) naming the holder", async () => {
    const first = await acquireLock(dir, "dev", { command: "rhx apply" });
    const error = await rejection(acquireLock(dir, "dev", { command: "rhx down" }));
    expect(error.code).toBe("RHX_LOCKED");
    expect(error.exitCode).toBe(ExitCode.Locked);
    expect(error.message).toBe(
      `dev is locked by rhx apply (pid ${process.pid} on ${hostname()}, since ${first.owner.startedAt}).`,
    );
    expect(error.hint).toContain("rhx unlock dev");
    expect(error.hint).toContain("--lock-timeout");
    await first.release();
  });

  it("lets exactly one of many simultaneous acquirers in", async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(dir, "dev")));
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as RhxError).code] : []));
    expect(lost).toEqual(Array(7).fill("RHX_LOCKED"));
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
  });

  it("takes over a stale lock of a dead process on this host, with a warning", async () => {
    const pid = deadPid();
    await writeLock({ pid, host: hostname(), startedAt: "2026-01-01T00:00:00Z", command: "rhx apply" });
    const onStale = vi.fn();
    const lock = await acquireLock(dir, "dev", { onStale });
    expect(onStale).toHaveBeenCalledWith({
      pid,
      host: hostname(),
      startedAt: "2026-01-01T00:00:00Z",
      command: "rhx apply",
    });
    expect((await readOwner(lockPath()))?.pid).toBe(process.pid);
    await lock.release();
  });

  it("lets exactly one of many simultaneous acquirers take over the same stale lock", async () => {
    // Each racer judges the lock stale; without a guard the slower one removed the faster one's new lock.
    const pid = deadPid();
    for (let round = 0; round < 25; round++) {
      await writeLock({ pid, host: hostname(), startedAt: `round ${round}`, command: "rhx apply" });
      const onStale = vi.fn();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => acquireLock(dir, "dev", { onStale })),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      expect(onStale).toHaveBeenCalledTimes(1);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
    }
  });

  it("never judges a lock held on another host stale", async () => {
    const owner = { pid: deadPid(), host: "elsewhere.example", startedAt: "t", command: "rhx apply" };
    expect(isStale(owner)).toBe(false);
    await writeLock(owner);
    const error = await rejection(acquireLock(dir, "dev"));
    expect(error.code).toBe("RHX_LOCKED");
    expect(error.message).toContain("on elsewhere.example");
  });

  it("takes over an owner-less lock file once it is older than a half-finished write", async () => {
    await writeLock("");
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath(), old, old);
    const lock = await acquireLock(dir, "dev");
    expect((await readOwner(lockPath()))?.pid).toBe(process.pid);
    await lock.release();
  });

  it("with a timeout, waits for the holder to release", async () => {
    const first = await acquireLock(dir, "dev");
    let released = false;
    const second = acquireLock(dir, "dev", { timeoutMs: 60_000 }).then((lock) => ({ lock, released }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    released = true;
    await first.release();
    const got = await second;
    expect(got.released).toBe(true);
    await got.lock.release();
  });

  it("with a timeout that passes, gives up with RHX_LOCKED", async () => {
    const first = await acquireLock(dir, "dev");
    const error = await rejection(acquireLock(dir, "dev", { timeoutMs: 200 }));
    expect(error.code).toBe("RHX_LOCKED");
    await first.release();
  });

  it("stops waiting when the run is interrupted", async () => {
    const first = await acquireLock(dir, "dev");
    const controller = new AbortController();
    const waiting = acquireLock(dir, "dev", { timeoutMs: 600_000, signal: controller.signal });
    controller.abort();
    expect((await rejection(waiting)).code).toBe("RHX_LOCKED");
    await first.release();
  });

  it("release leaves alone a lock someone else holds now", async () => {
    const lock = await acquireLock(dir, "dev");
    await forceUnlock(dir, "dev");
    const other = await acquireLock(dir, "dev");
    await lock.release();
    expect((await readOwner(lockPath()))?.startedAt).toBe(other.owner.startedAt);
    await other.release();
  });
});

describe("rhx unlock", () => {
  async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      const code = await main([...argv, "--state-dir", dir], { ...process.env, NO_COLOR: "1" });
      return { code, stderr: chunks.join("") };
    } finally {
      spy.mockRestore();
    }
  }

  it("removes a lock whoever holds it and says whose it was", async () => {
    await writeLock({ pid: 4242, host: "ci-runner-7", startedAt: "t", command: "rhx apply" });
    const { code, stderr } = await run(["unlock", "dev"]);
    expect(code).toBe(0);
    expect(stderr).toContain("Removed the lock on dev held by pid 4242 on ci-runner-7.");
    await expect(stat(lockPath())).rejects.toThrow();
    expect(await forceUnlock(dir, "dev")).toBeUndefined();
  });

  it("says so when there is no lock", async () => {
    const { code, stderr } = await run(["unlock", "dev"]);
    expect(code).toBe(0);
    expect(stderr).toContain("dev was not locked.");
  });

  it("needs a name", async () => {
    const { code } = await run(["unlock"]);
    expect(code).toBe(ExitCode.Usage);
  });
});
