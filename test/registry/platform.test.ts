import { describe, expect, it } from "vitest";
import {
  configPlatform,
  formatPlatform,
  indexPlatforms,
  parsePlatform,
  platformMatches,
} from "../../src/registry/platform.ts";

describe("platforms", () => {
  it.each([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" }],
    ["Linux/x86_64", { os: "linux", architecture: "amd64" }],
    ["linux/aarch64", { os: "linux", architecture: "arm64" }],
    ["linux/armhf", { os: "linux", architecture: "arm", variant: "v7" }],
  ])("parses %s", (text, expected) => {
    expect(parsePlatform(text)).toEqual(expected);
  });

  it.each(["amd64", "linux/", "linux/amd64/v1/x", "linux/am d64"])("rejects %j", (text) => {
    expect(parsePlatform(text)).toBeUndefined();
  });

  it("matches like containerd", () => {
    const p = (t: string) => parsePlatform(t) ?? { os: "", architecture: "" };
    expect(platformMatches(p("linux/amd64"), p("linux/amd64"))).toBe(true);
    expect(platformMatches(p("linux/arm64/v8"), p("linux/arm64"))).toBe(true);
    expect(platformMatches(p("linux/arm64"), p("linux/arm64/v8"))).toBe(true);
    expect(platformMatches(p("linux/arm/v6"), p("linux/arm/v7"))).toBe(false);
    expect(platformMatches(p("linux/arm64"), p("linux/amd64"))).toBe(false);
    expect(platformMatches(p("windows/amd64"), p("linux/amd64"))).toBe(false);
  });

  it("lists an index's platforms without attestations", () => {
    const index = {
      manifests: [
        { platform: { os: "linux", architecture: "amd64" } },
        { platform: { os: "linux", architecture: "arm", variant: "v7" } },
        { platform: { os: "unknown", architecture: "unknown" } },
        {
          platform: { os: "linux", architecture: "amd64" },
          annotations: { "vnd.docker.reference.type": "attestation-manifest" },
        },
        null,
        { digest: "no platform" },
      ],
    };
    expect(indexPlatforms(index).map(formatPlatform)).toEqual(["linux/amd64", "linux/arm/v7"]);
    expect(indexPlatforms({})).toEqual([]);
    expect(indexPlatforms(null)).toEqual([]);
  });

  it("reads a config blob's platform", () => {
    expect(configPlatform({ os: "linux", architecture: "arm64", variant: "v8" })).toEqual({
      os: "linux",
      architecture: "arm64",
      variant: "v8",
    });
    expect(configPlatform({ architecture: "amd64" })).toBeUndefined();
  });
});
