// The SkyPilot driver against the fake `sky` of every era it covers (test/fixtures/skypilot-facts),
// where the fake refuses what that version refuses: a launch with registry credentials, the status it
// reads, a Ctrl-C that really cancels (or says plainly what it could not), and the flag cache.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSkyCli } from "../../../src/drivers/skypilot/cli.ts";
import { isRhxError, type RhxError } from "../../../src/errors/rhx-error.ts";
import { CREDENTIALS, clusterSpec, SkyBox, step } from "./support.ts";

/** Each era as the fake plays it: its version string, and the facts directory when the version is shared. */
const ERAS = [
  { era: "0.8.0", version: "0.8.0", secret: false, json: false, api: false },
  { era: "0.9.3", version: "0.9.3", secret: false, json: false, api: true },
  { era: "0.10.0", version: "0.10.0", secret: true, json: false, api: true },
  { era: "0.10.0-early", version: "0.10.0", secret: false, json: false, api: true },
  { era: "0.10.3", version: "0.10.3", secret: true, json: false, api: true },
  { era: "0.11.2", version: "0.11.2", secret: true, json: false, api: true },
  { era: "master", version: "1.0.0.dev20260812", secret: true, json: true, api: true },
] as const;

const boxes: SkyBox[] = [];
afterEach(async () => {
  for (const box of boxes.splice(0).reverse()) await box.cleanup();
});

function box(era: (typeof ERAS)[number], extra: Record<string, string> = {}): SkyBox {
  const b = new SkyBox(era.version, { FAKE_SKY_FACTS: era.era, ...extra });
  boxes.push(b);
  return b;
}

async function failure(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRhxError(error)) throw new Error(`expected an RhxError, got ${String(error)}`);
  return error;
}

describe.each(ERAS)("SkyPilot $era", { timeout: 240_000 }, (era) => {
  it("launches with registry credentials, by the means this version has", async () => {
    const b = box(era);
    b.own("demo");
    const live = await b.driver().launch(clusterSpec({}, CREDENTIALS), step());
    expect(live.state).toBe("running");
    const launch = b.records().find((r) => r.argv[0] === "launch" && !r.argv.includes("--help"));
    expect(launch?.argv.includes("--secret")).toBe(era.secret);
    expect(launch?.task?.secretNames).toEqual(
      era.secret ? ["SKYPILOT_DOCKER_USERNAME", "SKYPILOT_DOCKER_PASSWORD", "SKYPILOT_DOCKER_SERVER"] : [],
    );
    const status = b.skyCalls().find((argv) => argv[0] === "status");
    expect(status?.includes("-o")).toBe(era.json);
  });

  it("Ctrl-C during provisioning cancels what this version lets rhx cancel, and says what is left", async () => {
    const b = box(era);
    const gate = join(b.dir, "gate");
    b.own("demo");
    const controller = new AbortController();
    const launching = b
      .driver({ FAKE_SKY_LAUNCH_GATE: gate })
      .launch(clusterSpec(), step([], controller.signal));
    for (let i = 0; i < 600 && b.skyState().clusters.demo?.status !== "INIT"; i++)
      await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const error = await failure(launching);
    writeFileSync(gate, "");
    expect(error.code).toBe("RHX_CANCELLED");
    expect(error.message).toContain("Tear it down with: rhx down demo (or sky down -y demo)");
    const cancels = b.skyCalls().filter((argv) => argv[0] === "api" && argv[1] === "cancel");
    if (era.api) {
      expect(cancels).toEqual([["api", "cancel", expect.stringMatching(/^[0-9a-f]/)]]);
      expect(error.message).toMatch(/SkyPilot's launch request \S+ was cancelled/);
      expect(b.skyState().requests.every((r) => r.status !== "RUNNING")).toBe(true);
    } else {
      expect(cancels).toEqual([]);
      expect(error.message).toContain(`SkyPilot ${era.version} runs a launch inside the \`sky\` process`);
    }
  });
});

describe("the detected flags are cached per sky binary and version", { timeout: 120_000 }, () => {
  const master = ERAS[6];

  it("a second run asks no --help; another version asks again", async () => {
    const b = box(master);
    const first = await createSkyCli({ env: b.env, redactor: b.redactor, stateDir: b.stateDir }).probe();
    expect(first.features).toMatchObject({ source: "help", jsonOutput: true, secretFlag: true });
    expect(b.helpCalls()).toHaveLength(4);
    const second = await createSkyCli({ env: b.env, redactor: b.redactor, stateDir: b.stateDir }).probe();
    expect(second.features).toEqual(first.features);
    expect(b.helpCalls()).toHaveLength(4);
    // The same binary now says 0.11.2: the cache entry does not apply.
    const older = { ...b.env, FAKE_SKY_VERSION: "0.11.2", FAKE_SKY_FACTS: "0.11.2" };
    const third = await createSkyCli({ env: older, redactor: b.redactor, stateDir: b.stateDir }).probe();
    expect(third.features).toMatchObject({ source: "help", jsonOutput: false, apiCancelYes: true });
    expect(b.helpCalls()).toHaveLength(8);
  });

  it("without a state dir every run reads --help", async () => {
    const b = box(master);
    await createSkyCli({ env: b.env, redactor: b.redactor }).probe();
    await createSkyCli({ env: b.env, redactor: b.redactor }).probe();
    expect(b.helpCalls()).toHaveLength(8);
  });
});
