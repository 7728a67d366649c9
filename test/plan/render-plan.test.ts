import { createColors } from "picocolors";
import { describe, expect, it } from "vitest";
import { createPlan } from "../../src/plan/create-plan.ts";
import { describeSteps, needsConfirmation, renderPlans, summary } from "../../src/plan/render-plan.ts";
import { absent, appliedCluster, fingerprint, spec } from "../tasks/fakes.ts";

const plain = createColors(false);
const creds = (password: string) => ({
  username: "alice",
  password,
  server: "127.0.0.1:5000",
  source: "environment" as const,
});

describe("renderPlans", () => {
  it("shows a create with its steps", () => {
    const plan = createPlan({ spec: spec(), state: undefined, live: absent, fingerprint });
    expect(renderPlans([plan], plain)).toMatchInlineSnapshot(`
      "  # dev will be created
        + cluster dev
            ! not yet created
            steps: launch → run setup → start the server

      Plan: 1 to create, 0 to replace, 0 to update, 0 to set up, 0 to restart, 0 unchanged."
    `);
  });

  it("says a password changed, never what it was or is", async () => {
    const { driver, state } = await appliedCluster(spec({ docker: creds("first-Secret-111") }));
    const plan = createPlan({
      spec: spec({ docker: creds("second-Secret-222") }),
      state,
      live: driver.live,
      fingerprint,
    });
    const text = renderPlans([plan], plain);
    expect(text).toContain("~ docker.password: (secret value changed)  # forces replacement");
    expect(text).not.toMatch(/Secret-111|Secret-222/);
    expect(text).toContain("will be REPLACED");
    expect(text).toContain("steps: tear down → launch → run setup → start the server");
  });

  it("says a secret was added or removed in plain words", async () => {
    const { driver, state } = await appliedCluster(spec({ docker: creds("first-Secret-111") }));
    const plan = createPlan({ spec: spec(), state, live: driver.live, fingerprint });
    const text = renderPlans([plan], plain);
    expect(text).toContain("- docker.password: (secret value removed)  # forces replacement");
    expect(text).toContain('- docker.username: "alice" → (removed)  # forces replacement');
  });

  it("names the first setup step that re-runs, and old → new values", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const plan = createPlan({
      spec: { ...base, setup: ["echo one", "echo 2", "echo three"] },
      state,
      live: driver.live,
      fingerprint,
    });
    expect(renderPlans([plan], plain)).toMatchInlineSnapshot(`
      "  # dev will re-run setup and restart its server
        ~ cluster dev
            ~ setup[1]: "echo two" → "echo 2"
            steps: run setup from step 3 → restart the server

      Plan: 0 to create, 0 to replace, 0 to update, 1 to set up, 0 to restart, 0 unchanged."
    `);
  });

  it("says no changes for a no-op", async () => {
    const { driver, state } = await appliedCluster();
    const plan = createPlan({ spec: spec(), state, live: driver.live, fingerprint });
    expect(renderPlans([plan], plain)).toBe("  dev: no changes.\nNo changes. The cluster matches the file.");
    expect(describeSteps(plan)).toBe("");
  });
});

describe("summary and confirmation", () => {
  it("counts each class and asks only about replaces", async () => {
    const { driver, state } = await appliedCluster();
    const replace = createPlan({
      spec: spec({ image_id: "docker:x:2" }),
      state,
      live: driver.live,
      fingerprint,
    });
    const server = createPlan({
      spec: spec({ server: { ...spec().server, port: 1234 } }),
      state,
      live: driver.live,
      fingerprint,
    });
    const create = createPlan({ spec: spec(), state: undefined, live: absent, fingerprint });
    expect(summary([replace, server, create])).toBe(
      "Plan: 1 to create, 1 to replace, 0 to update, 0 to set up, 1 to restart, 0 unchanged.",
    );
    expect(needsConfirmation([replace, server, create])).toEqual([replace]);
  });
});
