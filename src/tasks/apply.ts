import type { LoadedCluster } from "../config/cluster.ts";
import type { Driver, LiveCluster } from "../drivers/types.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../errors/rhx-error.ts";
import { type ClusterPlan, createPlan } from "../plan/create-plan.ts";
import {
  PLAN_FILE_VERSION,
  type PlanFile,
  snapshot,
  stalePlanError,
  staleReason,
  writePlanFile,
} from "../plan/plan-file.ts";
import { describeSteps, needsConfirmation, renderPlans } from "../plan/render-plan.ts";
import { toolFailure } from "../preflight/tool-failure.ts";
import type { CheckResult } from "../preflight/types.ts";
import { type Fingerprinter, loadFingerprinter } from "../state/fingerprint.ts";
import { acquireLock, type Lock } from "../state/lock.ts";
import type { ClusterState } from "../state/schema.ts";
import { readState, writeState } from "../state/store.ts";
import { escapeControl, escapeMessage } from "../ui/escape.ts";
import type { Output } from "../ui/output.ts";
import { renderError } from "../ui/render-error.ts";
import { mapBounded } from "./bounded.ts";
import { confirm } from "./confirm.ts";
import { StepReporter } from "./reporter.ts";
import type { ClusterRun, RunOutcome } from "./run-clusters.ts";
import { newRunId, RunLog } from "./run-log.ts";
import { applySteps } from "./steps.ts";

export interface ApplyOptions {
  clusters: readonly LoadedCluster[];
  output: Output;
  stateDir: string;
  signal: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  driverFor(cluster: LoadedCluster): Promise<Driver>;
  /** `launching`: the plan launches (pulls); otherwise the registry need not be asked. */
  preflight(
    cluster: LoadedCluster,
    driver: Driver,
    clusterRunning: boolean,
    launching: boolean,
  ): Promise<CheckResult[]>;
  /** `plan` stops after printing; `apply` goes on. */
  mode: "plan" | "apply";
  /** -y/--yes (or --allow-replace in watch mode): replaces need no question. */
  approveReplace: boolean;
  interactive: boolean;
  concurrency: number;
  lockTimeoutMs: number;
  /** A live renderer on a terminal; otherwise the reporter prints one line per event. */
  liveRenderer: boolean;
  /** Longest any one step may run before its children are killed (bounded time everywhere). */
  stepTimeoutMs?: number | undefined;
  /** Watch mode: replaces that are not approved are skipped (reported), never asked about here. */
  skipUnapprovedReplace?: boolean;
  /** `rhx plan --out FILE`: save the plans with fingerprints of what they were made from. */
  savePlanTo?: { path: string; files: string[]; envFiles: string[] } | undefined;
  /** `rhx apply FILE.plan`: apply only if nothing changed since the plan was made; it is the approval. */
  savedPlan?: { path: string; file: PlanFile } | undefined;
}

export interface PlannedCluster {
  cluster: LoadedCluster;
  driver: Driver;
  state: ClusterState | undefined;
  live: LiveCluster;
  plan: ClusterPlan;
}

export interface ApplyResult {
  exitCode: ExitCodeValue;
  plans: PlannedCluster[];
  outcomes: RunOutcome[];
}

/**
 * The pipeline after loading: lock → pre-flight → plan (all clusters), print the plans, confirm a
 * replace, then run every cluster's steps. Locks are held from plan to the end so a plan cannot go
 * stale under another rhx, and released on every path out.
 */
export async function runApply(options: ApplyOptions): Promise<ApplyResult> {
  const { output } = options;
  const locks: Lock[] = [];
  const fingerprint = await loadFingerprinter(options.stateDir);
  try {
    const planned: PlannedCluster[] = [];
    const failures: { cluster: string; error: unknown }[] = [];
    const preflightFailed: string[] = [];
    // Locks are taken one at a time in name order: two applies of the same clusters then queue
    // instead of each holding one lock and waiting (with --lock-timeout) for the other's.
    const ready: LoadedCluster[] = [];
    if (options.mode === "apply") {
      for (const cluster of [...options.clusters].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1))) {
        try {
          locks.push(
            await acquireLock(options.stateDir, cluster.spec.name, {
              timeoutMs: options.lockTimeoutMs,
              command: "rhx apply",
              signal: options.signal,
              onStale: (owner) =>
                output.warn(`took over a stale lock on ${cluster.spec.name} (pid ${owner.pid} is gone).`),
            }),
          );
          ready.push(cluster);
        } catch (error) {
          failures.push({ cluster: cluster.spec.name, error });
        }
      }
    } else {
      ready.push(...options.clusters);
    }
    await mapBounded(ready, options.concurrency, async (cluster) => {
      try {
        const result = await planCluster(cluster, options, fingerprint);
        if (!result.ok) preflightFailed.push(cluster.spec.name);
        else planned.push(result.planned);
      } catch (error) {
        failures.push({ cluster: cluster.spec.name, error });
      }
    });
    for (const { cluster, error } of failures) reportError(output, cluster, error);
    const order = (p: PlannedCluster) => options.clusters.indexOf(p.cluster);
    planned.sort((a, b) => order(a) - order(b));
    const plans = planned.map((p) => p.plan);
    for (const plan of plans) output.event("plan", { cluster: plan.cluster, ...planEvent(plan) });
    if (!output.json && plans.length > 0) output.text(`\n${renderPlans(plans, output.colors)}\n`);

    const earlyExit = firstCode(
      failures.map((f) => f.error),
      preflightFailed.length > 0,
    );
    if (options.savePlanTo && earlyExit === undefined)
      await savePlan(options.savePlanTo, planned, fingerprint, output);
    if (options.savedPlan && earlyExit === undefined) checkSavedPlan(options.savedPlan, planned, fingerprint);
    if (options.mode === "plan" || earlyExit !== undefined) {
      return { exitCode: earlyExit ?? ExitCode.Ok, plans: planned, outcomes: [] };
    }

    const replaces = needsConfirmation(plans).map((p) => p.cluster);
    let approved = new Set(planned.map((p) => p.plan.cluster));
    if (replaces.length > 0 && !options.approveReplace && !options.savedPlan) {
      if (options.skipUnapprovedReplace) {
        for (const name of replaces) {
          output.event("replace-skipped", { cluster: name });
          output.warn(
            `${name} needs a replace; not applied (save again after passing --allow-replace, or run \`rhx apply --yes\`).`,
          );
        }
        approved = new Set([...approved].filter((name) => !replaces.includes(name)));
      } else if (!options.interactive) {
        throw new RhxError({
          code: "RHX_CONFIRMATION_REQUIRED",
          message: `${replaces.join(", ")} would be replaced, which destroys the running cluster, and no one is here to confirm.`,
          hint: "Review the plan above and run again with --yes.",
          exitCode: ExitCode.Usage,
        });
      } else if (!(await confirm(`Replace ${replaces.join(", ")}?`, options.signal))) {
        output.text("Nothing was changed.");
        output.event("summary", { command: "apply", ok: false, aborted: true });
        return { exitCode: ExitCode.StepFailed, plans: planned, outcomes: [] };
      }
    }

    const runId = newRunId();
    const runs: ClusterRun[] = planned
      .filter((p) => p.plan.action !== "no-op" && approved.has(p.plan.cluster))
      .map((p) => ({
        name: p.plan.cluster,
        log: new RunLog(options.stateDir, p.plan.cluster, runId),
        steps: applySteps({
          cluster: p.cluster,
          plan: p.plan,
          driver: p.driver,
          fingerprint,
          state: p.state,
          saveState: (state) => writeState(options.stateDir, state),
        }),
      }));
    // Before any step: a run log that cannot be created stops the apply before it launches anything.
    try {
      for (const run of runs) await run.log.open();
    } catch (error) {
      await Promise.all(runs.map((r) => r.log.close()));
      throw error;
    }
    const reporter = new StepReporter(output, { lines: !options.liveRenderer });
    const outcomes =
      runs.length === 0
        ? []
        : // listr2 is loaded only when there is work: a no-op re-apply never pays for it.
          await (await import("./run-clusters.ts")).runClusters(runs, {
            reporter,
            signal: options.signal,
            concurrency: options.concurrency,
            renderer: options.liveRenderer && !output.json ? "default" : "silent",
            stepTimeoutMs: () => options.stepTimeoutMs,
          });
    await Promise.all(runs.map((r) => r.log.close()));
    reportOutcomes(output, planned, outcomes, runs, options.signal.aborted);
    // The clusters are as reported; what is missing is the record of how they got there.
    const logFailures = runs.flatMap((r) => (r.log.failure ? [{ name: r.name, error: r.log.failure }] : []));
    for (const { name, error } of logFailures) reportError(output, name, error);
    const exitCode = options.signal.aborted
      ? ExitCode.Interrupted
      : outcomes.some((o) => !o.ok) || logFailures.length > 0
        ? ExitCode.StepFailed
        : ExitCode.Ok;
    return { exitCode, plans: planned, outcomes };
  } finally {
    await Promise.all(locks.map((l) => l.release()));
  }
}

async function planCluster(
  cluster: LoadedCluster,
  options: ApplyOptions,
  fingerprint: Fingerprinter,
): Promise<{ ok: true; planned: PlannedCluster } | { ok: false }> {
  const driver = await options.driverFor(cluster);
  const name = cluster.spec.name;
  const [state, observed] = await Promise.all([
    readState(options.stateDir, name),
    driver.status(cluster.spec, { signal: options.signal }).then(
      (live) => ({ live }),
      (error: unknown) => {
        const missing = toolFailure(error);
        if (missing === undefined) throw error;
        return { missing };
      },
    ),
  ]);
  if ("missing" in observed) {
    reportChecks(options.output, name, [observed.missing]);
    return { ok: false };
  }
  const { live } = observed;
  if (live.state !== "absent" && !live.ownedByRhx) {
    throw new RhxError({
      code: "RHX_NOT_OWNED",
      message: `A cluster named ${cluster.spec.name} exists but was not created by rhx; rhx will not touch it.`,
      hint: "Rename the cluster in the file, or remove the other one yourself.",
      location: cluster.location,
    });
  }
  const plan = createPlan({ spec: cluster.spec, state, live, fingerprint });
  // Pre-flight guards what costs money or can fail half-way: a launch. A no-op only looks.
  if (plan.steps.launch || plan.steps.server) {
    // The running cluster's own server holds its port, unless the port is what changes: then the new
    // one must be free, or the restart would stop the old server and fail to start the new one.
    const portChanges = plan.changes.some((c) => c.field === "server.port");
    const running = live.state === "running" && !portChanges;
    const checks = await options.preflight(cluster, driver, running, plan.steps.launch);
    reportChecks(options.output, name, checks);
    if (checks.some((c) => c.status === "fail")) return { ok: false };
  }
  return { ok: true, planned: { cluster, driver, state, live, plan } };
}

function reportChecks(output: Output, name: string, checks: readonly CheckResult[]): void {
  for (const check of checks) {
    output.event("preflight", { cluster: name, ...check });
    if (!output.json && check.status !== "pass") {
      const mark = check.status === "fail" ? output.colors.red("✗") : output.colors.yellow("!");
      output.text(
        `[${name}] ${mark} ${check.title}: ${escapeMessage(check.message)}${check.code ? ` (${check.code})` : ""}`,
      );
      if (check.hint) output.text(`    ${output.colors.cyan("hint:")} ${escapeMessage(check.hint)}`);
    }
  }
}

async function savePlan(
  target: NonNullable<ApplyOptions["savePlanTo"]>,
  planned: PlannedCluster[],
  fingerprint: Fingerprinter,
  output: Output,
): Promise<void> {
  await writePlanFile(target.path, {
    rhxPlan: PLAN_FILE_VERSION,
    createdAt: new Date().toISOString(),
    files: target.files,
    envFiles: target.envFiles,
    clusters: planned.map((p) => snapshot(fingerprint, { spec: p.cluster.spec, ...p })),
  });
  output.event("file-written", { path: target.path });
  if (!output.json)
    output.text(
      `Saved the plan to ${escapeControl(target.path)}; \`rhx apply ${escapeControl(target.path)}\` applies exactly it.`,
    );
}

function checkSavedPlan(
  saved: NonNullable<ApplyOptions["savedPlan"]>,
  planned: PlannedCluster[],
  fingerprint: Fingerprinter,
): void {
  const reasons: string[] = [];
  for (const p of planned) {
    const reason = staleReason(
      saved.file.clusters.find((c) => c.name === p.plan.cluster),
      snapshot(fingerprint, { spec: p.cluster.spec, ...p }),
    );
    if (reason) reasons.push(`${p.plan.cluster}: ${reason}`);
  }
  for (const c of saved.file.clusters)
    if (!planned.some((p) => p.plan.cluster === c.name))
      reasons.push(`${c.name}: no longer in the configuration`);
  if (reasons.length > 0) throw stalePlanError(saved.path, reasons);
}

export function planEvent(plan: ClusterPlan): Record<string, unknown> {
  return {
    action: plan.action,
    changes: plan.changes.map((c) => ({ ...c })),
    steps: describeSteps(plan),
  };
}

function firstCode(errors: unknown[], preflightFailed: boolean): ExitCodeValue | undefined {
  if (errors.length > 0) {
    const codes = errors.map((e) => (isRhxError(e) ? e.exitCode : ExitCode.StepFailed));
    if (codes.includes(ExitCode.Interrupted)) return ExitCode.Interrupted;
    if (codes.includes(ExitCode.Locked)) return ExitCode.Locked;
    return codes[0];
  }
  return preflightFailed ? ExitCode.PreflightFailed : undefined;
}

export function reportError(output: Output, cluster: string, error: unknown): void {
  const code = isRhxError(error) ? error.code : "RHX_INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  output.event("error", { cluster, code, message, hint: isRhxError(error) ? error.hint : undefined });
  if (output.json) return;
  output.text(
    renderError({ code, message, hint: isRhxError(error) ? error.hint : undefined }, output.colors, cluster),
  );
}

function reportOutcomes(
  output: Output,
  planned: PlannedCluster[],
  outcomes: RunOutcome[],
  runs: ClusterRun[],
  interrupted: boolean,
): void {
  for (const outcome of outcomes) {
    const run = runs.find((r) => r.name === outcome.name);
    const entry = planned.find((p) => p.plan.cluster === outcome.name);
    // A plain "interrupted" is noise after Ctrl-C, except for a launch: its message says what may
    // have been left half-made (SkyPilot keeps provisioning after its client dies).
    const quietCancel =
      interrupted &&
      isRhxError(outcome.error) &&
      outcome.error.code === "RHX_CANCELLED" &&
      outcome.failedStep !== "launch";
    if (!outcome.ok && !quietCancel) {
      reportError(output, outcome.name, outcome.error);
      if (run?.log.used && !output.json) output.text(`  full output: ${run.log.path}`);
    }
    if (interrupted && entry && (outcome.completed.includes("launch") || !entry.plan.steps.launch)) {
      output.event("still-running", {
        cluster: outcome.name,
        teardown: entry.driver.teardownCommand(outcome.name),
      });
      if (!output.json)
        output.text(
          `${outcome.name} is still running. To tear it down: ${entry.driver.teardownCommand(outcome.name)}`,
        );
    }
  }
  const ok = outcomes.every((o) => o.ok);
  output.event("summary", {
    command: "apply",
    ok: ok && !interrupted,
    clusters: planned.map((p) => ({
      name: p.plan.cluster,
      action: p.plan.action,
      result:
        outcomes.find((o) => o.name === p.plan.cluster)?.ok === false
          ? "failed"
          : p.plan.action === "no-op"
            ? "unchanged"
            : "applied",
    })),
  });
  if (output.json) return;
  for (const p of planned) {
    const outcome = outcomes.find((o) => o.name === p.plan.cluster);
    if (p.plan.action === "no-op")
      output.text(`${output.colors.green("✓")} ${p.plan.cluster} is up to date; nothing to do.`);
    else if (outcome?.ok)
      output.text(
        `${output.colors.green("✓")} ${p.plan.cluster} is ready: Runhouse server on 127.0.0.1:${p.cluster.spec.server.port}${p.cluster.spec.server.health_path} · shell: rhx ssh ${p.plan.cluster}`,
      );
  }
}
