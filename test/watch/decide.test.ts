import { describe, expect, it } from "vitest";
import type { ClusterPlan } from "../../src/plan/create-plan.ts";
import type { PlanClass } from "../../src/plan/fields.ts";
import { actionPhrase, decide, interruptible, type Policy } from "../../src/watch/decide.ts";

function plan(cluster: string, action: PlanClass, field = "image_id"): ClusterPlan {
  return {
    cluster,
    action,
    changes:
      action === "no-op"
        ? []
        : [{ field, class: action, kind: action === "create" ? "condition" : "change" }],
    steps: { teardown: false, launch: false, setupFrom: undefined, server: false, autostop: false },
  };
}

const change: Policy = { phase: "change", allowReplace: false, canAsk: false };

describe("decide", () => {
  it("cheap classes run at once, no-ops are left alone", () => {
    const plans = [
      plan("a", "setup"),
      plan("b", "server-restart"),
      plan("c", "update-in-place"),
      plan("d", "no-op"),
    ];
    expect(decide(plans, change)).toEqual({ run: ["a", "b", "c"], ask: [], skip: [], unchanged: ["d"] });
  });

  it("a replace is skipped with its cause when no one can answer and --allow-replace is absent", () => {
    const decision = decide([plan("a", "replace"), plan("b", "setup")], change);
    expect(decision.run).toEqual(["b"]);
    expect(decision.skip).toHaveLength(1);
    expect(decision.skip[0]).toMatchObject({ cluster: "a", action: "replace" });
    expect(decision.skip[0]?.reason).toMatch(/destroys the running cluster.*\(image_id\).*--allow-replace/);
  });

  it("a replace waits for a yes on a terminal", () => {
    const decision = decide([plan("a", "replace")], { ...change, canAsk: true });
    expect(decision.ask.map((p) => p.cluster)).toEqual(["a"]);
    expect(decision.run).toEqual([]);
  });

  it("--allow-replace runs replaces and creates", () => {
    const decision = decide([plan("a", "replace"), plan("b", "create")], { ...change, allowReplace: true });
    expect(decision.run).toEqual(["a", "b"]);
  });

  it("a create runs when the session starts (that is what was asked for), not after a change", () => {
    expect(decide([plan("a", "create")], { ...change, phase: "start" }).run).toEqual(["a"]);
    const later = decide([plan("a", "create")], change);
    expect(later.run).toEqual([]);
    expect(later.skip[0]?.reason).toMatch(/starts a new machine/);
  });

  it("a replace is never run unasked, not even at the start", () => {
    expect(decide([plan("a", "replace")], { ...change, phase: "start" }).run).toEqual([]);
  });

  it.each([
    ["setup-1", true],
    ["setup-12", true],
    ["setup", true],
    ["server", true],
    ["launch", false],
    ["teardown", false],
    ["autostop", false],
  ])("step %s can be stopped for a newer change: %s", (step, expected) => {
    expect(interruptible(step)).toBe(expected);
  });

  it("phrases actions for prompts", () => {
    expect(actionPhrase({ cluster: "a", action: "replace" })).toBe("replace a");
    expect(actionPhrase({ cluster: "a", action: "setup" })).toBe("setup a");
  });
});
