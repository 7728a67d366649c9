import { describe, expect, it } from "vitest";
import { driverFor, driverKind } from "../../src/drivers/select.ts";
import { Redactor } from "../../src/secrets/redactor.ts";

// Making a driver spawns nothing, so these need neither Docker nor `sky`.
describe("driverFor", () => {
  const stateDir = "/nonexistent/rhx-state";

  it("gives one driver per kind within a run, so pre-flight and every step share its probe", async () => {
    const run = { env: { PATH: "/nonexistent" }, stateDir, redactor: new Redactor() };
    const first = await driverFor("skypilot", run);
    expect(await driverFor("skypilot", { ...run })).toBe(first);
    expect((await driverFor("local", run)).kind).toBe("local");
    expect(first.kind).toBe("skypilot");
  });

  it("gives another run (another redactor or environment) a driver of its own", async () => {
    const env = { PATH: "/nonexistent" };
    const one = await driverFor("skypilot", { env, stateDir, redactor: new Redactor() });
    const two = await driverFor("skypilot", { env, stateDir, redactor: new Redactor() });
    const redactor = new Redactor();
    const three = await driverFor("skypilot", { env: { ...env }, stateDir, redactor });
    const four = await driverFor("skypilot", { env: { ...env }, stateDir, redactor });
    expect(two).not.toBe(one);
    expect(four).not.toBe(three);
  });

  it("local for `provider: local`, SkyPilot for every cloud", () => {
    expect(driverKind("local")).toBe("local");
    expect(driverKind("aws")).toBe("skypilot");
    expect(driverKind("cheapest")).toBe("skypilot");
  });
});
