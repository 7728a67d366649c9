// Teardown and autostop through the SkyPilot driver against the fake `sky`: `sky down` verified by
// `sky status` (it exits 0 when it failed), ownership, and `sky autostop` in place.
import { afterEach, describe, expect, it } from "vitest";
import { isRhxError, type RhxError } from "../../../src/errors/rhx-error.ts";
import { clusterSpec, SkyBox, step, VERSIONS } from "./support.ts";

const boxes: SkyBox[] = [];
afterEach(async () => {
  // Newest first: a box that shares another's fake state must not outlive it.
  for (const b of boxes.splice(0).reverse()) await b.cleanup();
});

async function launched(version: string, env: Record<string, string> = {}) {
  const b = new SkyBox(version, env);
  boxes.push(b);
  b.own("demo");
  const driver = b.driver();
  await driver.launch(clusterSpec({ autostop_mins: 60 }), step());
  return { b, driver };
}

async function failure(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRhxError(error)) throw new Error(`expected an RhxError, got ${String(error)}`);
  return error;
}

describe.each(VERSIONS)("SkyPilot %s", { timeout: 180_000 }, (version) => {
  it("teardown: `sky down -y NAME`, verified gone", async () => {
    const { b, driver } = await launched(version);
    const lines: string[] = [];
    await driver.teardown({ name: "demo" }, step(lines));
    expect(lines).toContain("Terminating cluster demo...done.");
    expect(b.skyCalls().filter((argv) => argv[0] === "down")).toEqual([["down", "-y", "demo"]]);
    expect((await driver.status({ name: "demo" }, step())).state).toBe("absent");
    // Nothing there: nothing to do, no `sky down`.
    await driver.teardown({ name: "demo" }, step());
    expect(b.skyCalls().filter((argv) => argv[0] === "down")).toHaveLength(1);
  });

  it("teardown: `sky down` that 'succeeds' but leaves the cluster is RHX_TEARDOWN_FAILED with its reason", async () => {
    const { driver } = await launched(version, { FAKE_SKY_DOWN_FAILS: "1" });
    const error = await failure(driver.teardown({ name: "demo" }, step()));
    expect(error.code).toBe("RHX_TEARDOWN_FAILED");
    expect(error.message).toContain("demo is still there after `sky down -y demo` (it is UP");
    expect(error.message).toContain("InvalidInstanceID.Malformed");
    expect(error.hint).toContain("sky down --purge demo");
    expect(error.exitCode).toBe(1);
  });

  it("teardown: refuses a cluster rhx has no record of", async () => {
    const { b } = await launched(version);
    const stranger = new SkyBox(version, { FAKE_SKY_STATE: b.skyStateDir });
    boxes.push(stranger);
    const error = await failure(stranger.driver().teardown({ name: "demo" }, step()));
    expect(error.code).toBe("RHX_CLUSTER_NOT_OWNED");
    expect(error.hint).toContain("sky down demo");
    expect(b.skyCalls().filter((argv) => argv[0] === "down")).toEqual([]);
  });

  it("autostop in place: `-i N --down`, and `--cancel` for -1", async () => {
    const { b, driver } = await launched(version);
    await driver.setAutostop?.(clusterSpec({ autostop_mins: 15 }), step());
    expect(await driver.status({ name: "demo" }, step())).toMatchObject({ autostopMins: 15 });
    await driver.setAutostop?.(clusterSpec({ autostop_mins: -1 }), step());
    expect((await driver.status({ name: "demo" }, step())).autostopMins).toBeUndefined();
    expect(b.skyCalls().filter((argv) => argv[0] === "autostop")).toEqual([
      ["autostop", "-y", "demo", "-i", "15", "--down"],
      ["autostop", "-y", "demo", "--cancel"],
    ]);
  });

  it("autostop on a cluster that is not UP: sky exits 0 but rhx reports the failure", async () => {
    const b = new SkyBox(version, { FAKE_SKY_OUTCOME: "docker-auth" });
    boxes.push(b);
    b.own("demo");
    const driver = b.driver();
    await driver.launch(clusterSpec(), step()).catch(() => undefined);
    const error = await failure(driver.setAutostop!(clusterSpec({ autostop_mins: 5 }), step()));
    expect(error.code).toBe("RHX_SKY_AUTOSTOP_FAILED");
    expect(error.message).toContain("skipped for cluster 'demo' (status: INIT)");
    expect(error.hint).toContain("`rhx apply --yes` replaces it");
  });
});
