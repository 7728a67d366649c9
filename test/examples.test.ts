/**
 * Every example must pass `rhx validate`: from the repository root, from its own folder (so a
 * relative `.env` or `$schema` modeline is found the same way), and through the built CLI.
 */
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureBuilt, events, ROOT, runBuiltCli, runCli, STACK_LINE } from "./helpers/run-cli.ts";

const EXAMPLES = [
  ...readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => `examples/${f}`),
  "examples/local/cluster.yaml",
];

/** What CI has when the registry credentials are configured (fake values, never contacted). */
const CREDENTIALS = {
  SKYPILOT_DOCKER_USERNAME: "AWS",
  SKYPILOT_DOCKER_PASSWORD: "not-a-real-password",
  SKYPILOT_DOCKER_SERVER: "763104351884.dkr.ecr.us-east-1.amazonaws.com",
};

test("there are examples for each kind the issue names", () => {
  expect(EXAMPLES).toEqual(
    expect.arrayContaining([
      "examples/public-pytorch.yaml",
      "examples/ecr-private.yaml",
      "examples/gpu-multinode.yaml",
      "examples/kubernetes.yaml",
      "examples/local/cluster.yaml",
    ]),
  );
});

describe.each(EXAMPLES)("%s", (example) => {
  test("validates from the repository root, without any credentials", async () => {
    const result = await runCli(["validate", "--json", example]);
    const diagnostics = events(result.stdout).filter((e) => e.type === "diagnostic");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // Without credentials, the only thing validate may mention is the variables it could not fill.
    expect(diagnostics.filter((d) => d.code !== "RHX_ENV_UNSET")).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test("validates from its own folder", async () => {
    const result = await runCli(["validate", basename(example)], { cwd: join(ROOT, dirname(example)) });
    expect(result.stderr).toMatch(/✓ .* is valid \(/);
    expect(result.exitCode).toBe(0);
  });

  test("is clean under --strict-env given the variables it uses", async () => {
    // Only the private-registry example reads SKYPILOT_DOCKER_*; set for a public image, they would
    // (rightly) make SkyPilot pull it from the wrong registry.
    const env = example === "examples/ecr-private.yaml" ? CREDENTIALS : {};
    const result = await runCli(["validate", "--strict-env", "--json", example], { env });
    expect(events(result.stdout).filter((e) => e.type === "diagnostic")).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});

describe("the built CLI", () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  test("validates every example at once", async () => {
    const result = await runBuiltCli(["validate", ...EXAMPLES]);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toContain("are valid (");
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("validates ./cluster.yaml by default, from examples/local", async () => {
    const result = await runBuiltCli(["validate"], { cwd: join(ROOT, "examples/local") });
    expect(result.stderr).toContain("✓ cluster.yaml is valid (local-dev)");
    expect(result.exitCode).toBe(0);
  });
});
