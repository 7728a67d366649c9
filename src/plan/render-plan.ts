import { escapeControl } from "../ui/escape.ts";
import type { Colors } from "../ui/output.ts";
import type { ClusterPlan, PlanChange } from "./create-plan.ts";
import type { PlanClass } from "./fields.ts";

const HEADLINE: Record<PlanClass, string> = {
  "no-op": "is up to date",
  "server-restart": "will restart its Runhouse server",
  setup: "will re-run setup and restart its server",
  "update-in-place": "will be updated in place",
  replace: "will be REPLACED (the running cluster is destroyed and launched again)",
  create: "will be created",
};

const SYMBOL: Record<PlanClass, string> = {
  "no-op": " ",
  "server-restart": "~",
  setup: "~",
  "update-in-place": "~",
  replace: "-/+",
  create: "+",
};

/** What the text shows of a plan: a `plan` event carries exactly this (`steps` in words). */
export interface PlanView {
  cluster: string;
  action: string;
  changes: readonly ChangeView[];
  steps: string;
}

type ChangeView = Omit<PlanChange, "class" | "secret"> & { class: string; secret?: boolean | undefined };

/** Terraform-style text: one block per cluster, each action with the field that causes it. */
export function renderPlans(plans: readonly ClusterPlan[], colors: Colors): string {
  return renderPlanViews(
    plans.map((plan) => ({ ...plan, steps: describeSteps(plan) })),
    colors,
  );
}

export function renderPlanViews(plans: readonly PlanView[], colors: Colors): string {
  const lines: string[] = [];
  for (const plan of plans) {
    const paint =
      plan.action === "replace" ? colors.red : plan.action === "create" ? colors.green : colors.yellow;
    if (plan.action === "no-op") {
      lines.push(`  ${colors.dim(`${plan.cluster}: no changes.`)}`);
      continue;
    }
    const action = plan.action as PlanClass;
    lines.push(`  ${colors.bold(`# ${plan.cluster}`)} ${HEADLINE[action]}`);
    lines.push(`  ${paint(SYMBOL[action])} cluster ${plan.cluster}`);
    for (const change of plan.changes) lines.push(`      ${renderChange(change, colors)}`);
    if (plan.steps) lines.push(`      ${colors.dim(plan.steps)}`);
    lines.push("");
  }
  lines.push(summary(plans));
  return lines.join("\n");
}

function renderChange(change: ChangeView, colors: Colors): string {
  const why = change.class === "replace" ? colors.red("  # forces replacement") : "";
  if (change.kind === "condition")
    return `${colors.yellow("!")} ${escapeControl(change.note ?? change.field)}${why}`;
  const mark =
    change.kind === "add"
      ? colors.green("+")
      : change.kind === "remove"
        ? colors.red("-")
        : colors.yellow("~");
  if (change.secret)
    return `${mark} ${change.field}: (secret value ${{ add: "added", change: "changed", remove: "removed" }[change.kind]})${why}`;
  const from = change.from === undefined ? "" : `${shown(change.from)} → `;
  const to = change.to === undefined ? "(removed)" : shown(change.to);
  return `${mark} ${change.field}: ${change.kind === "remove" ? `${shown(change.from ?? "")} → (removed)` : `${from}${to}`}${why}`;
}

/** JSON escapes C0 characters but lets C1 and bidi overrides through; those are escaped too. */
function shown(value: unknown): string {
  return escapeControl(JSON.stringify(value));
}

export function describeSteps(plan: ClusterPlan): string {
  const parts: string[] = [];
  if (plan.steps.teardown) parts.push("tear down");
  if (plan.steps.launch) parts.push("launch");
  if (plan.steps.setupFrom !== undefined)
    parts.push(plan.steps.setupFrom === 0 ? "run setup" : `run setup from step ${plan.steps.setupFrom + 1}`);
  if (plan.steps.autostop) parts.push("set autostop");
  if (plan.steps.server) parts.push(plan.steps.launch ? "start the server" : "restart the server");
  return parts.length ? `steps: ${parts.join(" → ")}` : "";
}

export function summary(plans: readonly Pick<PlanView, "action">[]): string {
  const count = (cls: PlanClass) => plans.filter((p) => p.action === cls).length;
  const changed = plans.length - count("no-op");
  if (changed === 0)
    return `No changes. ${plans.length === 1 ? "The cluster matches" : "All clusters match"} the file.`;
  return `Plan: ${count("create")} to create, ${count("replace")} to replace, ${count("update-in-place")} to update, ${count("setup")} to set up, ${count("server-restart")} to restart, ${count("no-op")} unchanged.`;
}

export function needsConfirmation(plans: readonly ClusterPlan[]): ClusterPlan[] {
  return plans.filter((p) => p.action === "replace");
}
