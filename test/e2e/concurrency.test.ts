import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import {
  clusterDoc,
  container,
  E2E_TEST_TIMEOUT_MS,
  expectExit,
  freePort,
  health,
  Sandbox,
} from "./helpers.ts";

/** Several clusters in one apply, and several applies of one cluster. */

let box: Sandbox;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  box = await Sandbox.create("cc");
});

afterEach(async () => {
  await box.clearHooks();
  await box.sweep();
});

afterAll(async () => {
  await (box as Sandbox | undefined)?.cleanup();
});

interface Event {
  type: string;
  cluster?: string;
  step?: string;
}

function events(stdout: string): Event[] {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

describe.sequential("concurrency", { timeout: E2E_TEST_TIMEOUT_MS }, () => {
  it("applies two clusters of one multi-document file concurrently, then tears both down", async () => {
    const [a, b] = [box.name(), box.name()];
    const [portA, portB] = [await freePort(), await freePort()];
    const file = await box.writeConfig(
      [
        clusterDoc(a, portA, { setup: ["echo a > /tmp/who"] }),
        clusterDoc(b, portB, { setup: ["echo b > /tmp/who"] }),
      ],
      "two.yaml",
    );
    const result = await box.rhx(["apply", file, "--json"]);
    expectExit(result, 0);
    const stream = events(result.stdout);
    // Both launches start before either finishes: the clusters ran side by side, not one after the other.
    const firstFinish = stream.findIndex((e) => e.type === "step-finished");
    const launches = stream
      .filter((e) => e.type === "step-started" && e.step === "launch")
      .map((e) => e.cluster);
    expect(new Set(launches)).toEqual(new Set([a, b]));
    for (const name of [a, b])
      expect(
        stream.findIndex((e) => e.type === "step-started" && e.step === "launch" && e.cluster === name),
      ).toBeLessThan(firstFinish);
    expect(await health(portA)).toContain("0.0.36");
    expect(await health(portB)).toContain("0.0.36");
    expect(stream.at(-1)).toMatchObject({ type: "summary", ok: true });

    await box.resetCalls();
    const again = await box.rhx(["apply", file]);
    expectExit(again, 0);
    expect(again.stderr).toContain("No changes. All clusters match the file.");
    expect(await box.dockerVerbs()).toEqual(["inspect", "inspect"]);

    const down = await box.rhx(["down", "-y", file]);
    expectExit(down, 0);
    expect(await container(a)).toBeUndefined();
    expect(await container(b)).toBeUndefined();
    const status = await box.rhx(["status", file]);
    expect(status.stderr).toMatch(new RegExp(`${a}\\s+local\\s+absent`));
    expect(status.stderr).toMatch(new RegExp(`${b}\\s+local\\s+absent`));
  });

  it("two applies of one cluster at once: the second exits 5 naming the first; only one launches", async () => {
    const name = box.name();
    await box.writeConfig(clusterDoc(name, await freePort()));
    await box.hold("run");
    const first = box.spawn(["apply"], { hooks: true });
    await box.held("run", first);
    const second = await box.rhx(["apply"]);
    expectExit(second, 5);
    expect(second.stderr).toContain("RHX_LOCKED");
    expect(second.stderr).toContain(`${name} is locked by rhx apply (pid ${first.pid} on`);
    expect(second.stderr).toContain(`rhx unlock ${name}`);
    await box.release("run");
    const done = await box.settle(first);
    expectExit(done, 0);
    const runs = (await box.dockerCalls()).filter((argv) => argv[0] === "run");
    expect(runs).toHaveLength(1);
  });

  it("with --lock-timeout the second waits for the first, then finds nothing to do", async () => {
    const name = box.name();
    await box.writeConfig(clusterDoc(name, await freePort()));
    await box.resetCalls();
    await box.hold("run");
    const first = box.spawn(["apply"], { hooks: true });
    await box.held("run", first);
    const second = box.spawn(["apply", "--lock-timeout", "5m"]);
    // Give the second time to reach the lock; correctness does not depend on it.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await box.release("run");
    const [one, two] = [await box.settle(first), await box.settle(second)];
    expectExit(one, 0);
    expectExit(two, 0);
    expect(two.stderr).toContain(`✓ ${name} is up to date; nothing to do.`);
    expect((await box.dockerCalls()).filter((argv) => argv[0] === "run")).toHaveLength(1);
  });
});
