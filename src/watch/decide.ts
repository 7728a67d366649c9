import type { ClusterPlan } from "../plan/create-plan.ts";
import type { PlanClass } from "../plan/fields.ts";

/**
 * Plan → what watch mode does with it, per cluster. Pure. The rule (docs/watch.md):
 * what costs no machine runs at once; what costs one never happens without a yes.
 */

/** `start`: the reconcile when the session begins; `change`: every apply after a saved file. */
export type Phase = "start" | "change";

export interface Policy {
  phase: Phase;
  /** `--allow-replace` (or `--yes`): replaces and creates run without asking. */
  allowReplace: boolean;
  /** A person is at a terminal and can answer y/N. */
  canAsk: boolean;
}

export interface Skipped {
  cluster: string;
  action: PlanClass;
  reason: string;
}

export interface Decision {
  /** Clusters to apply now. */
  run: string[];
  /** Plans that wait for a `y` on the terminal. */
  ask: ClusterPlan[];
  /** Plans reported and not applied, with why. */
  skip: Skipped[];
  /** Clusters that already match the file. */
  unchanged: string[];
}

/** The classes an edit may trigger on its own: none of them starts or destroys a machine. */
const CHEAP: ReadonlySet<PlanClass> = new Set(["server-restart", "setup", "update-in-place"]);

export function decide(plans: readonly ClusterPlan[], policy: Policy): Decision {
  const decision: Decision = { run: [], ask: [], skip: [], unchanged: [] };
  for (const plan of plans) {
    if (plan.action === "no-op") decision.unchanged.push(plan.cluster);
    else if (CHEAP.has(plan.action)) decision.run.push(plan.cluster);
    // Starting `rhx apply --watch` asks for the cluster the way `rhx apply` does: a create runs.
    else if (plan.action === "create" && policy.phase === "start") decision.run.push(plan.cluster);
    else if (policy.allowReplace) decision.run.push(plan.cluster);
    else if (policy.canAsk) decision.ask.push(plan);
    else decision.skip.push({ cluster: plan.cluster, action: plan.action, reason: skipReason(plan) });
  }
  return decision;
}

/** The reason given when a person answered no at the prompt. */
export const DECLINED = "declined at the prompt";

export function skipReason(plan: ClusterPlan): string {
  const cause = plan.changes.find((c) => c.class === plan.action);
  const why = cause ? ` (${cause.kind === "condition" ? (cause.note ?? cause.field) : cause.field})` : "";
  const what =
    plan.action === "create"
      ? "creating it starts a new machine"
      : "a replace destroys the running cluster and launches a new one";
  return `${what}${why}; watch mode does that only with --allow-replace or a yes on a terminal`;
}

/**
 * Whether a running step may be stopped for a newer change. A setup command or a server start is
 * stopped (the driver kills it in the container; the next plan re-runs it). A launch or a teardown is
 * let finish: stopped half-way it would leave a half-made machine, or roll back one that was paid for.
 */
export function interruptible(step: string): boolean {
  return step === "server" || step === "setup" || step.startsWith("setup-");
}

/** One-line wording of an action, for status lines and prompts. */
export function actionPhrase(plan: Pick<ClusterPlan, "cluster" | "action">): string {
  switch (plan.action) {
    case "create":
      return `create ${plan.cluster}`;
    case "replace":
      return `replace ${plan.cluster}`;
    case "no-op":
      return `${plan.cluster} is up to date`;
    default:
      return `${plan.action} ${plan.cluster}`;
  }
}
