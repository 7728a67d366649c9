import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import { pidIsDead } from "./owner.ts";
import { statePaths } from "./paths.ts";
import { sinkError } from "./sink-error.ts";

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface Lock {
  owner: LockOwner;
  /** Idempotent: safe to call from every exit path. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a live holder; 0 = fail at once. */
  timeoutMs?: number;
  command?: string;
  /** Told when a stale lock (dead owner on this host) is taken over. */
  onStale?: (owner: LockOwner) => void;
  signal?: AbortSignal;
}

/**
 * A per-cluster lock file created with O_EXCL: one mutating rhx per cluster at a time. A lock whose
 * owner died on this host is stale and taken over (Terraform leaves those behind after an abort);
 * a live one is answered with exit 5 and who holds it.
 */
export async function acquireLock(stateDir: string, name: string, options: LockOptions = {}): Promise<Lock> {
  const path = statePaths(stateDir, name).lock;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw sinkError("RHX_LOCK_UNWRITABLE", `The lock of ${name}`, path, error);
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? "rhx",
  };
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
        await handle.sync();
      } catch (error) {
        // Created but not written (disk full): ours to remove, or it would hold the cluster for a while.
        await handle.close();
        await rm(path, { force: true });
        throw error;
      }
      await handle.close();
      return lockHandle(path, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw sinkError("RHX_LOCK_UNWRITABLE", `The lock of ${name}`, path, error);
    }
    const holder = await readOwner(path);
    if (holder === undefined && (await ageMs(path)) < HALF_WRITTEN_GRACE_MS) {
      // Another process created the file and is writing its owner line right now.
      await sleep(20);
      continue;
    }
    if (holder === undefined || isStale(holder)) {
      const removed = await removeAbandoned(path);
      if (removed) options.onStale?.(removed);
      continue;
    }
    if (Date.now() >= deadline || options.signal?.aborted) throw lockedError(name, holder, path);
    await sleep(Math.min(250, Math.max(10, deadline - Date.now())));
  }
}

/** A lock file with no owner line younger than this is being written, not abandoned. */
const HALF_WRITTEN_GRACE_MS = 2000;
/** A takeover guard older than this was left by a process that died while taking over. */
const TAKEOVER_GRACE_MS = 10_000;

/**
 * Removes an abandoned lock file (a dead owner on this host, or no owner line long after it was
 * created) and returns its owner, if there was one. Two processes that both judged the same lock stale
 * must not both remove "it": the second would remove the fresh lock the first just made, and both
 * would go on. So removal happens under a guard file created with O_EXCL: under it nobody else
 * removes the lock, and nobody creates one while it exists, so what is read is what is removed.
 */
async function removeAbandoned(path: string): Promise<LockOwner | undefined> {
  const guard = `${path}.takeover`;
  try {
    await (await open(guard, "wx", 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if ((await ageMs(guard)) > TAKEOVER_GRACE_MS) await rm(guard, { force: true });
    else await sleep(20);
    return undefined;
  }
  try {
    const current = await readOwner(path);
    const age = await ageMs(path);
    if (age === Number.POSITIVE_INFINITY) return undefined; // already gone: O_EXCL decides who is next
    if (current === undefined ? age >= HALF_WRITTEN_GRACE_MS : isStale(current)) {
      await rm(path, { force: true });
      return current;
    }
    return undefined;
  } finally {
    await rm(guard, { force: true });
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function lockHandle(path: string, owner: LockOwner): Lock {
  let released = false;
  return {
    owner,
    async release() {
      if (released) return;
      released = true;
      const current = await readOwner(path);
      if (
        current &&
        current.pid === owner.pid &&
        current.host === owner.host &&
        current.startedAt === owner.startedAt
      )
        await rm(path, { force: true });
    },
  };
}

export async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return undefined;
    return {
      pid: value.pid,
      host: value.host,
      startedAt: String(value.startedAt ?? ""),
      command: String(value.command ?? "rhx"),
    };
  } catch {
    // Unreadable or half-written (the writer died between create and write): treat as stale.
    return undefined;
  }
}

/** Only a lock from this host can be judged: a pid on another machine means nothing here. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  return pidIsDead(owner.pid);
}

function lockedError(name: string, holder: LockOwner, path: string): RhxError {
  return new RhxError({
    code: "RHX_LOCKED",
    message: `${name} is locked by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}).`,
    hint: `Wait for it, pass --lock-timeout to wait longer, or if that process is gone: \`rhx unlock ${name}\` (${path}).`,
    exitCode: ExitCode.Locked,
  });
}

/** `rhx unlock NAME`: removes the lock whoever holds it. */
export async function forceUnlock(stateDir: string, name: string): Promise<LockOwner | undefined> {
  const path = statePaths(stateDir, name).lock;
  const holder = await readOwner(path);
  await rm(path, { force: true });
  return holder;
}
