import { describe, expect, it } from "vitest";
import { editDistance, nearestTags } from "../../src/registry/tags.ts";

describe("nearestTags", () => {
  it("puts the likely typo fix first", () => {
    const tags = ["latest", "23.08-py3", "23.10-py3", "23.10-py3-igpu", "24.01-py3", "22.12-tf2-py3"];
    expect(nearestTags("23.10-py", tags)).toEqual([
      "23.10-py3",
      "23.08-py3",
      "24.01-py3",
      "23.10-py3-igpu",
      "22.12-tf2-py3",
      "latest",
    ]);
  });

  it("keeps at most ten, without duplicates", () => {
    const tags = Array.from({ length: 30 }, (_, i) => `v${i}`);
    const nearest = nearestTags("v1", [...tags, ...tags]);
    expect(nearest).toHaveLength(10);
    expect(new Set(nearest).size).toBe(10);
    expect(nearest[0]).toBe("v1");
  });

  it("computes edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
