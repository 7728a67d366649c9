import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";

/** A version outside the releases rhx knows is started as the nearest era; validate says so, in place. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-rh-version-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function validate(version: string) {
  const file = join(dir, "cluster.yaml");
  await writeFile(
    file,
    `name: web\nprovider: local\nimage_id: docker:rhx-test/runhouse:0.0.36\nrunhouse:\n  version: "${version}"\n`,
  );
  return runCli(["validate", "cluster.yaml"], { cwd: dir });
}

describe("runhouse.version outside 0.0.30–0.0.42", () => {
  it("older: a warning at the value, naming the era it is started as (exit 0)", async () => {
    const result = await validate("0.0.28");
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("cluster.yaml:5:12 warning RHX_RUNHOUSE_VERSION_UNKNOWN");
    expect(result.stderr).toContain(
      "Runhouse 0.0.28 is not a release rhx knows (0.0.30–0.0.42); it is started as 0.0.30–0.0.35 are (`runhouse restart`).",
    );
    expect(result.stderr).toContain("hint: Use a release from 0.0.30 to 0.0.42");
  });

  it("newer, or not a version: the newest era", async () => {
    expect((await validate("0.0.43")).stderr).toContain(
      "it is started as 0.0.39–0.0.42 are (`runhouse server restart`)",
    );
    expect((await validate("main")).stderr).toContain("Runhouse main is not a release rhx knows");
  });

  it("a known release: no warning", async () => {
    const result = await validate("0.0.40");
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain("RHX_RUNHOUSE_VERSION_UNKNOWN");
  });
});
