import { describe, expect, it } from "vitest";
import { parseSkyVersion, skyFeatures, skyVersionAtLeast } from "../../../src/drivers/skypilot/version.ts";

describe("parseSkyVersion", () => {
  it("reads `sky --version` output", () => {
    expect(parseSkyVersion("skypilot, version 0.10.3\n")).toEqual({
      raw: "0.10.3",
      major: 0,
      minor: 10,
      patch: 3,
      nightly: false,
    });
  });

  it("reads release candidates and nightlies", () => {
    expect(parseSkyVersion("skypilot, version 0.14.0rc1")).toMatchObject({
      major: 0,
      minor: 14,
      patch: 0,
      nightly: false,
    });
    expect(parseSkyVersion("skypilot, version 1.0.0.dev20250301")).toMatchObject({ major: 1, nightly: true });
  });

  it("tolerates ANSI escapes, prose around the line and a bare version", () => {
    const out =
      "Failed to connect to SkyPilot API server at http://127.0.0.1:46580. Starting a local server.\n\x1b[32mskypilot, version 0.12.1\x1b[0m\n";
    expect(parseSkyVersion(out)?.raw).toBe("0.12.1");
    expect(parseSkyVersion("0.9.3")?.minor).toBe(9);
  });

  it("returns undefined when there is no version", () => {
    expect(parseSkyVersion("")).toBeUndefined();
    expect(parseSkyVersion("bash: sky: command not found")).toBeUndefined();
  });
});

describe("skyFeatures", () => {
  const features = (v: string) => {
    const version = parseSkyVersion(`skypilot, version ${v}`);
    if (!version) throw new Error(v);
    return skyFeatures(version);
  };

  // The fallback when `--help` cannot be read (help-features.ts reads the real flags; facts.test.ts).
  it("0.8.0 and before: in-process, --detach-setup, no sky api, no job exit codes", () => {
    expect(features("0.8.0")).toEqual({
      jsonOutput: false,
      checkJson: false,
      secretFlag: false,
      infraFlag: false,
      detachSetup: true,
      apiServer: false,
      apiCancelYes: false,
      jobExitCodes: false,
      source: "version",
    });
  });

  it("0.9: API server and exit codes; 0.10 --infra; --secret only from 0.10.3; api cancel -y from 0.11", () => {
    expect(features("0.9.3")).toMatchObject({ apiServer: true, detachSetup: false, jobExitCodes: true });
    expect(features("0.10.0")).toMatchObject({ infraFlag: true, secretFlag: false });
    expect(features("0.10.3")).toMatchObject({ secretFlag: true, apiCancelYes: false });
    expect(features("0.11.2")).toMatchObject({ apiCancelYes: true });
  });

  it("never guesses -o json, not even for nightlies or 1.x", () => {
    for (const v of ["0.12.0", "0.14.3", "1.0.0.dev20260301", "1.2.0"])
      expect(features(v), v).toMatchObject({ jsonOutput: false, checkJson: false, secretFlag: true });
  });

  it("compares by major then minor", () => {
    const v = parseSkyVersion("0.10.0");
    if (!v) throw new Error("unparsed");
    expect(skyVersionAtLeast(v, 0, 10)).toBe(true);
    expect(skyVersionAtLeast(v, 0, 11)).toBe(false);
    expect(skyVersionAtLeast(v, 1, 0)).toBe(false);
  });
});
