import type { LoadedCluster } from "../config/cluster.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../errors/rhx-error.ts";
import { type ClusterPlan, createPlan } from "../plan/create-plan.ts";
import { describeSteps } from "../plan/render-plan.ts";
import { toolFailure } from "../preflight/tool-failure.ts";
import type { CheckResult } from "../preflight/types.ts";
import { type Fingerprinter, loadFingerprinter } from "../state/fingerprint.ts";
import { acquireLock, type Lock } from "../state/lock.ts";
import { readState } from "../state/store.ts";
import type { EventInput } from "../ui/event-schema.ts";
import { mapBounded } from "./bounded.ts";
import type { Observer } from "./observer.ts";
import { errorEvent } from "./report-error.ts";
import type { DriverFor, PlannedCluster, Preflight } from "./types.ts";

export interface PlanInput {
  clusters: readonly LoadedCluster[];
  stateDir: string;
  signal: AbortSignal;
  observer: Observer;
  driverFor: DriverFor;
  preflight: Preflight;
  concurrency: number;
  /** Lock each cluster from plan to the end of the apply; absent for `rhx plan`, which only looks. */
  lock?: { timeoutMs: number; command: string } | undefined;
  /** Whether a plan may run at all; pre-flight guards only those (watch mode skips some). */
  mayRun?: (plan: ClusterPlan) => boolean;
}

export interface Planning {
  /** In the order of the input's clusters. */
  planned: PlannedCluster[];
  fingerprint: Fingerprinter;
  /** Set when a cluster could not be planned (reported already): nothing may run. */
  failed: ExitCodeValue | undefined;
  /** Releases the locks; call on every path out. */
  release(): Promise<void>;
}

/**
 * Lock → status → plan → pre-flight, per cluster with bounded concurrency. Reports pre-flight results
 * and failures as events, prints nothing. Locks are held until `release`, so a plan cannot go stale
 * under another rhx before it is executed.
 */
export async function planClusters(input: PlanInput): Promise<Planning> {
  const fingerprint = await loadFingerprinter(input.stateDir);
  const failures: { cluster: string; error: unknown }[] = [];
  const { locks, ready } = input.lock ? await lockAll(input, failures) : { locks: [], ready: input.clusters };
  const release = async () => {
    await Promise.all(locks.map((l) => l.release()));
  };
  try {
    const planned: PlannedCluster[] = [];
    let preflightFailed = false;
    await mapBounded(ready, input.concurrency, async (cluster) => {
      try {
        const result = await planCluster(cluster, input, fingerprint);
        if (result === undefined) preflightFailed = true;
        else planned.push(result);
      } catch (error) {
        failures.push({ cluster: cluster.spec.name, error });
      }
    });
    for (const { cluster, error } of failures) input.observer(errorEvent(cluster, error));
    const order = (p: PlannedCluster) => input.clusters.indexOf(p.cluster);
    planned.sort((a, b) => order(a) - order(b));
    return { planned, fingerprint, failed: firstCode(failures, preflightFailed), release };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Locks are taken one at a time in name order: two applies of the same clusters then queue instead
 * of each holding one lock and waiting (with --lock-timeout) for the other's.
 */
async function lockAll(
  input: PlanInput,
  failures: { cluster: string; error: unknown }[],
): Promise<{ locks: Lock[]; ready: LoadedCluster[] }> {
  const locks: Lock[] = [];
  const ready: LoadedCluster[] = [];
  const lock = input.lock!;
  for (const cluster of [...input.clusters].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1))) {
    const name = cluster.spec.name;
    try {
      locks.push(
        await acquireLock(input.stateDir, name, {
          timeoutMs: lock.timeoutMs,
          command: lock.command,
          signal: input.signal,
          onStale: (owner) => input.observer({ type: "lock-taken-over", cluster: name, pid: owner.pid }),
        }),
      );
      ready.push(cluster);
    } catch (error) {
      failures.push({ cluster: name, error });
    }
  }
  return { locks, ready };
}

/** One cluster's plan, or undefined when its pre-flight failed (reported). */
async function planCluster(
  cluster: LoadedCluster,
  input: PlanInput,
  fingerprint: Fingerprinter,
): Promise<PlannedCluster | undefined> {
  const driver = await input.driverFor(cluster);
  const name = cluster.spec.name;
  const [state, observed] = await Promise.all([
    readState(input.stateDir, name),
    driver.status(cluster.spec, { signal: input.signal }).then(
      (live) => ({ live }),
      (error: unknown) => {
        const missing = toolFailure(error);
        if (missing === undefined) throw error;
        return { missing };
      },
    ),
  ]);
  if ("missing" in observed) {
    reportChecks(input.observer, name, [observed.missing]);
    return undefined;
  }
  const { live } = observed;
  if (live.state !== "absent" && !live.ownedByRhx) {
    throw new RhxError({
      code: "RHX_NOT_OWNED",
      message: `A cluster named ${name} exists but was not created by rhx; rhx will not touch it.`,
      hint: "Rename the cluster in the file, or remove the other one yourself.",
      location: cluster.location,
    });
  }
  const plan = createPlan({ spec: cluster.spec, state, live, fingerprint });
  // Pre-flight guards what costs money or can fail half-way: a launch. A no-op only looks.
  if ((plan.steps.launch || plan.steps.server) && (input.mayRun?.(plan) ?? true)) {
    // The running cluster's own server holds its port, unless the port is what changes: then the new
    // one must be free, or the restart would stop the old server and fail to start the new one.
    const portChanges = plan.changes.some((c) => c.field === "server.port");
    const running = live.state === "running" && !portChanges;
    const checks = await input.preflight(cluster, driver, running, plan.steps.launch);
    reportChecks(input.observer, name, checks);
    if (checks.some((c) => c.status === "fail")) return undefined;
  }
  return { cluster, driver, state, live, plan };
}

function reportChecks(observer: Observer, cluster: string, checks: readonly CheckResult[]): void {
  for (const check of checks) observer({ type: "preflight", cluster, ...check });
}

/** The `plan` events of what was planned, in order: what the renderers show as the plan. */
export function reportPlans(observer: Observer, planned: readonly PlannedCluster[]): void {
  for (const { plan } of planned) observer(planEvent(plan));
}

export function planEvent(plan: ClusterPlan): EventInput & { type: "plan" } {
  return {
    type: "plan",
    cluster: plan.cluster,
    action: plan.action,
    changes: plan.changes.map((c) => ({ ...c })),
    steps: describeSteps(plan),
  };
}

function firstCode(
  failures: readonly { error: unknown }[],
  preflightFailed: boolean,
): ExitCodeValue | undefined {
  if (failures.length > 0) {
    const codes = failures.map((f) => (isRhxError(f.error) ? f.error.exitCode : ExitCode.StepFailed));
    if (codes.includes(ExitCode.Interrupted)) return ExitCode.Interrupted;
    if (codes.includes(ExitCode.Locked)) return ExitCode.Locked;
    return codes[0];
  }
  return preflightFailed ? ExitCode.PreflightFailed : undefined;
}
