import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { writeFileAtomic } from "../../src/state/atomic-write.ts";
import { fingerprinterFromKey, loadFingerprinter, stable } from "../../src/state/fingerprint.ts";
import { keyPath, statePaths } from "../../src/state/paths.ts";
import type { ClusterState } from "../../src/state/schema.ts";
import { readState, removeState, writeState } from "../../src/state/store.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-state-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function state(overrides: Partial<ClusterState> = {}): ClusterState {
  return {
    version: 1,
    name: "dev",
    driver: "local",
    provider: "local",
    file: "cluster.yaml",
    fields: { image_id: "abc" },
    shown: { image_id: "docker:x:1" },
    setup: [],
    stages: { launch: { status: "ok", at: "2026-01-01T00:00:00.000Z" } },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

async function expectRhxError(promise: Promise<unknown>, code: string): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RhxError);
  expect((error as RhxError).code).toBe(code);
  return error as RhxError;
}

describe("state store", () => {
  it("is undefined for a cluster never applied", async () => {
    expect(await readState(dir, "dev")).toBeUndefined();
  });

  it("round-trips a state, private to the user, with no temp files left", async () => {
    await writeState(dir, state(), new Redactor());
    expect(await readState(dir, "dev")).toEqual(state());
    const path = statePaths(dir, "dev").state;
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "clusters"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, "clusters"))).toEqual(["dev.json"]);
  });

  it("replaces the whole file on each write (never a mix of two versions)", async () => {
    await writeState(dir, state({ setup: ["a".repeat(5000)] }), new Redactor());
    await writeState(dir, state({ setup: [] }), new Redactor());
    const text = await readFile(statePaths(dir, "dev").state, "utf8");
    expect(JSON.parse(text)).toEqual(state());
  });

  it("masks a registered secret that slipped into a field before it reaches the disk", async () => {
    const redactor = new Redactor();
    redactor.register("Leaky-Secret-Value-9");
    await writeState(dir, state({ shown: { "env.X": "Leaky-Secret-Value-9" } }), redactor);
    const text = await readFile(statePaths(dir, "dev").state, "utf8");
    expect(text).not.toContain("Leaky-Secret-Value-9");
    expect(text).toContain("******");
  });

  it.each([
    ["not JSON", "{ this is not json", /not valid JSON/],
    ["truncated JSON", JSON.stringify(state()).slice(0, 40), /not valid JSON/],
    ["the wrong shape", JSON.stringify({ ...state(), stages: { launch: { status: "exploded" } } }), /stages/],
    ["null", "null", /damaged/],
  ])("refuses a corrupt file (%s) with RHX_STATE_CORRUPT and leaves it untouched", async (_, text, why) => {
    const path = statePaths(dir, "dev").state;
    await mkdir(join(dir, "clusters"), { recursive: true });
    await writeFile(path, text);
    const before = await stat(path);
    const error = await expectRhxError(readState(dir, "dev"), "RHX_STATE_CORRUPT");
    expect(error.message).toMatch(why);
    expect(error.message).toContain("rhx will not overwrite it");
    expect(error.hint).toContain(path);
    expect(await readFile(path, "utf8")).toBe(text);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
  });

  it("refuses a state written by a newer rhx with RHX_STATE_FUTURE", async () => {
    const path = statePaths(dir, "dev").state;
    await mkdir(join(dir, "clusters"), { recursive: true });
    const text = JSON.stringify({ ...state(), version: 2, somethingNew: true });
    await writeFile(path, text);
    const error = await expectRhxError(readState(dir, "dev"), "RHX_STATE_FUTURE");
    expect(error.message).toMatch(/state version 2; this rhx reads 1/);
    expect(error.hint).toMatch(/Upgrade rhx/);
    expect(await readFile(path, "utf8")).toBe(text);
  });

  it("says so when the file cannot be read", async () => {
    await mkdir(statePaths(dir, "dev").state, { recursive: true });
    await expectRhxError(readState(dir, "dev"), "RHX_STATE_UNREADABLE");
  });

  it("removes a state, and removing a missing one is fine", async () => {
    await writeState(dir, state(), new Redactor());
    await removeState(dir, "dev");
    await removeState(dir, "dev");
    expect(await readState(dir, "dev")).toBeUndefined();
  });
});

describe("writeFileAtomic", () => {
  it("leaves the old file and no temp file when the rename fails", async () => {
    // A directory where the file should go: the rename fails after the temp file was written.
    const path = join(dir, "target");
    await mkdir(join(path, "inside"), { recursive: true });
    await expect(writeFileAtomic(path, "new")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
    expect(await readdir(path)).toEqual(["inside"]);
  });

  it("creates missing directories", async () => {
    const path = join(dir, "a", "b", "c.json");
    await writeFileAtomic(path, "x");
    expect(await readFile(path, "utf8")).toBe("x");
  });
});

describe("fingerprints", () => {
  it("are HMACs: the same value gives the same print under one key, another under another", () => {
    const a = fingerprinterFromKey(Buffer.alloc(32, 1));
    const b = fingerprinterFromKey(Buffer.alloc(32, 2));
    expect(a("pw")).toBe(a("pw"));
    expect(a("pw")).not.toBe(b("pw"));
    expect(a("pw")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("ignore key order and undefined members", () => {
    expect(stable({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}');
    const print = fingerprinterFromKey(Buffer.alloc(32, 1));
    expect(print({ x: 1, y: 2 })).toBe(print({ y: 2, x: 1 }));
  });

  it("keep their key in the state dir, private, and reuse it across runs", async () => {
    const first = await loadFingerprinter(dir);
    const second = await loadFingerprinter(dir);
    expect(first("v")).toBe(second("v"));
    expect((await stat(keyPath(dir))).mode & 0o777).toBe(0o600);
  });
});
