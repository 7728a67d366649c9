import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateProblem } from "../../src/state/check-state.ts";
import { ClusterStateSchema } from "../../src/state/schema.ts";
import { fuzzRuns, fuzzSeed } from "../fuzz/seed.ts";

/** The hand-written check must say yes and no exactly where the published schema does. */

const valid = {
  version: 1,
  name: "dev",
  driver: "local",
  provider: "local",
  file: "cluster.yaml",
  liveId: "abc",
  fields: { image_id: "f1" },
  shown: { image_id: "docker:x:1" },
  setup: ["s1", "s2"],
  stages: {
    launch: { status: "ok", at: "t" },
    setup: { status: "failed", at: "t", error: { code: "RHX_SETUP_FAILED", message: "m" } },
    server: { status: "running", at: "t" },
  },
  createdAt: "t",
  updatedAt: "t",
};

const SEED = fuzzSeed("check-state");

const schemaSays = (value: unknown) => Value.Check(ClusterStateSchema, value);
const checkSays = (value: unknown) => stateProblem(value) === undefined;

type Edit = [string, (s: Record<string, unknown>) => void];
const set = (path: string[], value: unknown) => (s: Record<string, unknown>) => {
  let at = s;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path.at(-1)!] = value;
};
const drop = (path: string[]) => (s: Record<string, unknown>) => {
  let at = s;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  delete at[path.at(-1)!];
};

const edits: Edit[] = [
  ["nothing", () => {}],
  ["no liveId", drop(["liveId"])],
  ["no stages at all", set(["stages"], {})],
  ["an extra top-level field", set(["extra"], 1)],
  ["version 2", set(["version"], 2)],
  ["version as a string", set(["version"], "1")],
  ["an unknown driver", set(["driver"], "ssh")],
  ["a numeric name", set(["name"], 5)],
  ["liveId null", set(["liveId"], null)],
  ["a numeric field print", set(["fields", "x"], 3)],
  ["shown as an array", set(["shown"], [])],
  ["setup as an object", set(["setup"], {})],
  ["a numeric setup entry", set(["setup", "1"], 4)],
  ["an unknown stage", set(["stages", "teardown"], { status: "ok", at: "t" })],
  ["an unknown status", set(["stages", "launch", "status"], "exploded")],
  ["a stage without at", drop(["stages", "launch", "at"])],
  ["an extra stage field", set(["stages", "launch", "extra"], true)],
  ["an error without message", drop(["stages", "setup", "error", "message"])],
  ["an error with an extra field", set(["stages", "setup", "error", "extra"], 1)],
  ["an error as a string", set(["stages", "setup", "error"], "boom")],
  ["stages null", set(["stages"], null)],
  ...[
    "version",
    "name",
    "driver",
    "provider",
    "file",
    "fields",
    "shown",
    "setup",
    "stages",
    "createdAt",
    "updatedAt",
  ].map((key): Edit => [`no ${key}`, drop([key])]),
];

describe("stateProblem", () => {
  it.each(edits)("agrees with the schema on a state with %s", (_, edit) => {
    const value = structuredClone(valid) as Record<string, unknown>;
    edit(value);
    expect(checkSays(value)).toBe(schemaSays(value));
  });

  it("agrees with the schema on anything JSON can hold", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(checkSays(value)).toBe(schemaSays(value));
      }),
      { seed: SEED, numRuns: fuzzRuns(500) },
    );
  });

  it("agrees with the schema on states with one field replaced by anything", () => {
    const paths = [
      ["name"],
      ["driver"],
      ["liveId"],
      ["fields"],
      ["setup"],
      ["stages"],
      ["stages", "launch"],
      ["stages", "launch", "status"],
      ["stages", "setup", "error"],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, replacement) => {
        const value = structuredClone(valid) as Record<string, unknown>;
        set(path, replacement)(value);
        expect(checkSays(value)).toBe(schemaSays(value));
      }),
      { seed: SEED, numRuns: fuzzRuns(500) },
    );
  });

  it("names where the first problem is", () => {
    expect(stateProblem({ ...valid, stages: { launch: { status: "x", at: "t" } } })).toBe(
      "/stages/launch/status must be running, ok or failed",
    );
    expect(stateProblem(null)).toBe("/ must be an object");
  });
});
