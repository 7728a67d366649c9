import type { LoadedCluster } from "../config/cluster.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { isRhxError } from "../errors/rhx-error.ts";
import type { RunSettings } from "../pipeline/context.ts";
import { executePlans } from "../pipeline/execute-plans.ts";
import type { Observer } from "../pipeline/observer.ts";
import { type Planning, planClusters, reportPlans } from "../pipeline/plan-clusters.ts";
import { reportError } from "../pipeline/report-error.ts";
import { type Subscribers, subscribers } from "../pipeline/subscribers.ts";
import type { ClusterPlan } from "../plan/create-plan.ts";
import { renderPlans } from "../plan/render-plan.ts";
import type { EventInput } from "../ui/event-schema.ts";
import type { Output } from "../ui/output.ts";
import type { SafeCancel } from "./cancel.ts";
import { actionPhrase, DECLINED, decide, type Phase, type Policy, type Skipped } from "./decide.ts";

export type CycleOutcome = "applied" | "unchanged" | "skipped" | "failed" | "cancelled" | "interrupted";

export interface CycleResult {
  outcome: CycleOutcome;
  exitCode: ExitCodeValue;
  /** Clusters whose plans were executed. */
  ran: string[];
  skipped: Skipped[];
  /** The first failure's code, for the status line. */
  failure?: string;
}

export interface CycleInput {
  clusters: readonly LoadedCluster[];
  phase: Phase;
  allowReplace: boolean;
  /** Asks y/N on the terminal; undefined when no one can answer. Resolves undefined if withdrawn. */
  ask: ((question: string, signal: AbortSignal) => Promise<boolean | undefined>) | undefined;
  settings: RunSettings;
  output: Output;
  /** The session's say over what is reported: false keeps an event off both streams. */
  admit: (event: EventInput) => boolean;
  cancel: SafeCancel;
  /** Ctrl-C. */
  interrupt: AbortSignal;
}

/**
 * One apply of watch mode: plan every cluster once, under its lock, against its live state; sort the
 * plans into run now / ask / skip (decide.ts); then execute exactly the plans that run. The locks are
 * held from the plan to the end, so what runs is what was planned.
 */
export async function runCycle(input: CycleInput): Promise<CycleResult> {
  const linked = linkSignals(input.interrupt, input.cancel.signal);
  try {
    return await cycle(input, linked.signal);
  } finally {
    linked.dispose();
  }
}

async function cycle(input: CycleInput, signal: AbortSignal): Promise<CycleResult> {
  const { output, cancel, settings } = input;
  const subs = subscribers(output, input.clusters, settings.liveRenderer);
  const observer: Observer = (event) => {
    cancel.observe(event);
    if (input.admit(event)) subs.observer(event);
  };
  const policy: Policy = {
    phase: input.phase,
    allowReplace: input.allowReplace,
    canAsk: input.ask !== undefined,
  };
  let planning: Planning;
  try {
    planning = await planClusters({
      ...settings,
      clusters: input.clusters,
      signal,
      // A plan stopped for a newer change reports nothing: its errors are those of the stop.
      observer: (event) => {
        if (!signal.aborted) observer(event);
      },
      lock: { timeoutMs: settings.lockTimeoutMs, command: "rhx apply" },
      // Pre-flight guards what may run: not a replace this cycle will skip anyway.
      mayRun: (plan) => decide([plan], policy).skip.length === 0,
    });
  } catch (error) {
    if (signal.aborted) return stopped(input, [], []);
    reportError(output, "watch", error);
    return { outcome: "failed", exitCode: exitOf(error), ran: [], skipped: [], failure: codeOf(error) };
  }
  try {
    if (signal.aborted) return stopped(input, [], []);
    if (planning.failed !== undefined)
      return {
        outcome: "failed",
        exitCode: planning.failed,
        ran: [],
        skipped: [],
        failure: `exit ${planning.failed}`,
      };
    return await decideAndRun(input, planning, { ...subs, observer }, policy, signal);
  } finally {
    subs.human.flush();
    await planning.release();
  }
}

async function decideAndRun(
  input: CycleInput,
  planning: Planning,
  subs: Subscribers,
  policy: Policy,
  signal: AbortSignal,
): Promise<CycleResult> {
  const { output, cancel } = input;
  const plans = planning.planned.map((p) => p.plan);
  const decision = decide(plans, policy);
  const run = [...decision.run];
  const skipped = [...decision.skip];
  for (const skip of decision.skip) reportSkip(output, plans, skip);
  for (const plan of decision.ask) {
    if (!output.json) output.text(`\n${renderPlans([plan], output.colors)}\n`);
    output.event("confirmation-pending", { cluster: plan.cluster, action: plan.action });
    const answer = await input.ask?.(`${capitalise(actionPhrase(plan))} now?`, signal);
    if (answer === undefined) return stopped(input, [], skipped);
    if (answer) run.push(plan.cluster);
    else {
      const skip = { cluster: plan.cluster, action: plan.action, reason: DECLINED };
      skipped.push(skip);
      output.event("replace-skipped", { ...skip });
    }
  }
  if (cancel.requested) return stopped(input, [], skipped);
  if (run.length === 0) {
    if (!output.json && skipped.length === 0)
      output.text(output.colors.dim("No changes: every cluster matches the file."));
    return { outcome: skipped.length > 0 ? "skipped" : "unchanged", exitCode: ExitCode.Ok, ran: [], skipped };
  }
  const chosen = planning.planned.filter((p) => run.includes(p.plan.cluster));
  reportPlans(subs.observer, chosen);
  subs.human.flush();
  cancel.enterPipeline();
  try {
    const { exitCode, outcomes } = await executePlans(chosen, {
      ...input.settings,
      signal,
      observer: subs.observer,
      fingerprint: planning.fingerprint,
      renderer: input.settings.liveRenderer && !output.json ? "default" : "silent",
    });
    if (signal.aborted) return stopped(input, run, skipped);
    if (exitCode === ExitCode.Ok) return { outcome: "applied", exitCode, ran: run, skipped };
    const failed = outcomes.find((o) => !o.ok);
    const failure = failed ? `${failed.name}: ${failed.code ?? "RHX_STEP_FAILED"}` : `exit ${exitCode}`;
    return { outcome: "failed", exitCode, ran: run, skipped, failure };
  } catch (error) {
    if (signal.aborted) return stopped(input, run, skipped);
    reportError(output, "watch", error);
    return { outcome: "failed", exitCode: exitOf(error), ran: run, skipped, failure: codeOf(error) };
  }
}

function stopped(input: CycleInput, ran: string[], skipped: Skipped[]): CycleResult {
  return {
    outcome: input.interrupt.aborted ? "interrupted" : "cancelled",
    exitCode: ExitCode.Interrupted,
    ran,
    skipped,
  };
}

function reportSkip(output: Output, plans: readonly ClusterPlan[], skip: Skipped): void {
  output.event("replace-skipped", { ...skip });
  if (output.json) return;
  const plan = plans.find((p) => p.cluster === skip.cluster);
  if (plan) output.text(`\n${renderPlans([plan], output.colors)}\n`);
  output.warn(`${skip.cluster}: not applied: ${skip.reason}.`);
  output.text(
    `  ${output.colors.cyan("hint:")} restart with \`rhx apply --watch --allow-replace\`, or run \`rhx apply --yes\` once.`,
  );
}

/**
 * One signal that aborts with either source. Not AbortSignal.any: on Node 20 a composite signal that
 * still has a listener (any child process the apply left registered) is kept alive by its long-lived
 * source, Ctrl-C's signal, so a session of thousands of applies would grow without bound.
 */
function linkSignals(...sources: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const forward = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const source of sources) {
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener("abort", forward, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const source of sources) source.removeEventListener("abort", forward);
    },
  };
}

function codeOf(error: unknown): string {
  return isRhxError(error) ? error.code : "RHX_INTERNAL";
}

function exitOf(error: unknown): ExitCodeValue {
  return isRhxError(error) ? error.exitCode : ExitCode.StepFailed;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
