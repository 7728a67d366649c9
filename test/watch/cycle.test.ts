import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LoadedCluster } from "../../src/config/cluster.ts";
import { ExitCode } from "../../src/errors/exit-codes.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import type { EventInput } from "../../src/ui/event-schema.ts";
import { SafeCancel } from "../../src/watch/cancel.ts";
import { type CycleInput, runCycle } from "../../src/watch/cycle.ts";
import { FakeDriver, loaded, spec, testOutput } from "../tasks/fakes.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-cycle-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = "";
  return stream;
}

function cycleInput(clusters: LoadedCluster[], driver: FakeDriver, overrides: Partial<CycleInput> = {}) {
  const stdout = sink();
  const preflight = vi.fn(async () => []);
  const input: CycleInput = {
    clusters,
    phase: "start",
    allowReplace: false,
    ask: undefined,
    settings: {
      stateDir: dir,
      signal: new AbortController().signal,
      redactor: new Redactor(),
      driverFor: async () => driver,
      preflight,
      concurrency: 2,
      lockTimeoutMs: 0,
      stepTimeoutMs: 60_000,
      liveRenderer: false,
    },
    output: testOutput({ json: true, stdout, stderr: sink() }),
    admit: () => true,
    cancel: new SafeCancel(),
    interrupt: new AbortController().signal,
    ...overrides,
  };
  const events = () =>
    stdout.text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; cluster?: string });
  return { input, events, preflight };
}

describe("runCycle", () => {
  it("plans once per change: one status per cluster, and the plan it made is the one executed", async () => {
    const driver = new FakeDriver();
    const first = cycleInput([loaded(spec())], driver);
    const created = await runCycle(first.input);
    expect(created).toMatchObject({ outcome: "applied", exitCode: ExitCode.Ok, ran: ["dev"] });
    expect(driver.ops().filter((op) => op === "status")).toHaveLength(1);
    expect(first.preflight).toHaveBeenCalledTimes(1);

    driver.calls = [];
    const edit = cycleInput([loaded(spec({ setup: ["echo one", "echo two", "echo changed"] }))], driver, {
      phase: "change",
    });
    const result = await runCycle(edit.input);
    expect(result).toMatchObject({ outcome: "applied", ran: ["dev"] });
    expect(driver.ops().filter((op) => op === "status")).toEqual(["status"]);
    expect(driver.ops()).toContain("exec: echo changed");
    expect(driver.ops()).not.toContain("exec: echo one");
    expect(driver.ops()).not.toContain("launch");
    expect(edit.events().filter((e) => e.type === "plan")).toHaveLength(1);
  });

  it("skips a replace without --allow-replace, and runs no pre-flight for it", async () => {
    const driver = new FakeDriver();
    await runCycle(cycleInput([loaded(spec())], driver).input);
    driver.calls = [];
    const change = cycleInput(
      [loaded(spec({ image_id: "docker:rhx-test/runhouse:0.0.36-nonroot" }))],
      driver,
      {
        phase: "change",
      },
    );
    const result = await runCycle(change.input);
    expect(result.outcome).toBe("skipped");
    expect(result.skipped.map((s) => [s.cluster, s.action])).toEqual([["dev", "replace"]]);
    expect(driver.ops()).toEqual(["status"]);
    expect(change.preflight).not.toHaveBeenCalled();
    expect(change.events().map((e) => e.type)).toEqual(["replace-skipped"]);
  });

  it("lets the session keep an event off the streams (a still-running line of a cancelled apply)", async () => {
    const driver = new FakeDriver();
    const seen: EventInput["type"][] = [];
    const { input, events } = cycleInput([loaded(spec())], driver, {
      admit: (event) => {
        seen.push(event.type);
        return event.type !== "step-finished";
      },
    });
    await runCycle(input);
    expect(seen.filter((t) => t === "step-finished").length).toBeGreaterThan(0);
    expect(events().filter((e) => e.type === "step-finished")).toEqual([]);
    expect(events().at(-1)?.type).toBe("summary");
  });
});
