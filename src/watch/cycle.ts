import type { LoadedCluster } from "../config/cluster.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { isRhxError } from "../errors/rhx-error.ts";
import { type ClusterPlan, createPlan } from "../plan/create-plan.ts";
import { renderPlans } from "../plan/render-plan.ts";
import { loadFingerprinter } from "../state/fingerprint.ts";
import { readState } from "../state/store.ts";
import { type ApplyOptions, reportError, runApply } from "../tasks/apply.ts";
import type { SafeCancel } from "./cancel.ts";
import { actionPhrase, DECLINED, decide, type Phase, type Skipped } from "./decide.ts";

export type CycleOutcome = "applied" | "unchanged" | "skipped" | "failed" | "cancelled" | "interrupted";

export interface CycleResult {
  outcome: CycleOutcome;
  exitCode: ExitCodeValue;
  /** Clusters handed to the pipeline. */
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
  /** What `rhx apply` would run with (its output observed by the session). */
  base: Omit<ApplyOptions, "clusters">;
  cancel: SafeCancel;
  /** Ctrl-C. */
  interrupt: AbortSignal;
}

/**
 * One apply of watch mode: plan every cluster against its live state, sort the plans into run now /
 * ask / skip (decide.ts), then hand the ones that run to the same pipeline `rhx apply` uses. The
 * pipeline plans again under its locks, so what runs is always planned against the newest state.
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
  const { base, cancel } = input;
  const output = base.output;
  const stopped = (ran: string[], skipped: Skipped[]): CycleResult => ({
    outcome: input.interrupt.aborted ? "interrupted" : "cancelled",
    exitCode: ExitCode.Interrupted,
    ran,
    skipped,
  });

  let plans: { cluster: LoadedCluster; plan: ClusterPlan | undefined }[];
  try {
    plans = await planAll(input.clusters, base, signal);
  } catch (error) {
    if (signal.aborted) return stopped([], []);
    reportError(output, "watch", error);
    return { outcome: "failed", exitCode: exitOf(error), ran: [], skipped: [], failure: codeOf(error) };
  }
  // A cluster rhx does not own has no plan here: the pipeline refuses it with its own clear error.
  const unowned = plans.filter((p) => p.plan === undefined).map((p) => p.cluster.spec.name);
  const known = plans.flatMap((p) => (p.plan ? [p.plan] : []));
  const decision = decide(known, {
    phase: input.phase,
    allowReplace: input.allowReplace,
    canAsk: input.ask !== undefined,
  });
  const run = [...decision.run, ...unowned];
  const skipped = [...decision.skip];
  for (const skip of decision.skip) reportSkip(input, known, skip);

  let approved = false;
  for (const plan of decision.ask) {
    if (!output.json) output.text(`\n${renderPlans([plan], output.colors)}\n`);
    output.event("confirmation-pending", { cluster: plan.cluster, action: plan.action });
    const answer = await input.ask?.(`${capitalise(actionPhrase(plan))} now?`, signal);
    if (answer === undefined) return stopped([], skipped);
    if (answer) {
      run.push(plan.cluster);
      approved = true;
    } else {
      const skip = { cluster: plan.cluster, action: plan.action, reason: DECLINED };
      skipped.push(skip);
      output.event("replace-skipped", { ...skip });
    }
  }
  if (cancel.requested) return stopped([], skipped);
  if (run.length === 0) {
    if (!output.json && skipped.length === 0)
      output.text(output.colors.dim("No changes: every cluster matches the file."));
    return { outcome: skipped.length > 0 ? "skipped" : "unchanged", exitCode: ExitCode.Ok, ran: [], skipped };
  }

  cancel.enterPipeline();
  try {
    const result = await runApply({
      ...base,
      clusters: input.clusters.filter((c) => run.includes(c.spec.name)),
      signal,
      // A replace that shows up only in the pipeline's own plan (the state moved meanwhile) is skipped
      // there and reported, never asked about under a running task list.
      approveReplace: input.allowReplace || approved,
      skipUnapprovedReplace: true,
      interactive: false,
    });
    if (signal.aborted) return stopped(run, skipped);
    const failed = result.outcomes.find((o) => !o.ok);
    if (result.exitCode === ExitCode.Ok)
      return { outcome: "applied", exitCode: ExitCode.Ok, ran: run, skipped };
    return {
      outcome: "failed",
      exitCode: result.exitCode,
      ran: run,
      skipped,
      failure: failed ? `${failed.name}: ${codeOf(failed.error)}` : `exit ${result.exitCode}`,
    };
  } catch (error) {
    if (signal.aborted) return stopped(run, skipped);
    reportError(output, "watch", error);
    return { outcome: "failed", exitCode: exitOf(error), ran: run, skipped, failure: codeOf(error) };
  }
}

/** Plans without pre-flight or locks: only to decide; the pipeline re-plans under its locks. */
async function planAll(
  clusters: readonly LoadedCluster[],
  base: CycleInput["base"],
  signal: AbortSignal,
): Promise<{ cluster: LoadedCluster; plan: ClusterPlan | undefined }[]> {
  const fingerprint = await loadFingerprinter(base.stateDir);
  return Promise.all(
    clusters.map(async (cluster) => {
      const driver = await base.driverFor(cluster);
      const [state, live] = await Promise.all([
        readState(base.stateDir, cluster.spec.name),
        driver.status(cluster.spec, { signal }),
      ]);
      if (live.state !== "absent" && !live.ownedByRhx) return { cluster, plan: undefined };
      return { cluster, plan: createPlan({ spec: cluster.spec, state, live, fingerprint }) };
    }),
  );
}

function reportSkip(input: CycleInput, plans: readonly ClusterPlan[], skip: Skipped): void {
  const output = input.base.output;
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
