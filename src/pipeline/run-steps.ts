import {
  Listr,
  ListrLogger,
  type ListrRendererFactory,
  type ListrTask,
  PRESET_TIMER,
  ProcessOutput,
} from "listr2";
import { cancelled } from "../drivers/exec.ts";
import { isRhxError, RhxError } from "../errors/rhx-error.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { escapeControl } from "../ui/escape.ts";
import type { Observer } from "./observer.ts";
import { stepTitle } from "./render-human.ts";
import { stepFailureCode } from "./report-error.ts";
import type { RunLog } from "./run-log.ts";
import type { StepDef } from "./steps.ts";
import type { Outcome } from "./types.ts";

export interface ClusterRun {
  name: string;
  steps: StepDef[];
  log: RunLog;
}

export interface RunStepsOptions {
  observer: Observer;
  redactor: Redactor;
  signal: AbortSignal;
  concurrency: number;
  /** `default`: the live task tree on a terminal a person watches; `silent` otherwise (tests: a class). */
  renderer: "default" | "silent" | ListrRendererFactory;
  stepTimeoutMs?: number | undefined;
}

/**
 * Runs each cluster's steps as one listr2 task tree: clusters concurrently (bounded), the steps of
 * one cluster in order, the first failure stopping that cluster only. An outcome is pending until
 * proven: ok once the cluster's last step finished, failed when a step failed. Anything listr (or a
 * renderer) throws outside a step is no cluster's result: it is rethrown, never taken for success.
 */
export async function runSteps(runs: readonly ClusterRun[], options: RunStepsOptions): Promise<Outcome[]> {
  const outcomes = new Map<string, Outcome & { pending: boolean }>(
    runs.map((r) => [r.name, { name: r.name, ok: false, pending: true, completed: [] }]),
  );
  const list = new Listr(
    runs.map((run) => clusterTask(run, outcomes.get(run.name)!, options)),
    {
      concurrent: Math.max(1, options.concurrency),
      exitOnError: false,
      collectErrors: false,
      renderer: options.renderer,
      fallbackRenderer: "silent",
      registerSignalListeners: false,
      rendererOptions: {
        timer: PRESET_TIMER,
        collapseSubtasks: false,
        logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }),
      },
    },
  );
  // Step failures are recorded in `outcomes` and never rethrown by listr (exitOnError is false):
  // whatever it throws is not a step's, and must end the run as the failure it is.
  await list.run();
  const unproven = [...outcomes.values()].filter((o) => o.pending).map((o) => o.name);
  if (unproven.length > 0)
    throw new RhxError({
      code: "RHX_INTERNAL",
      message: `The steps of ${unproven.join(", ")} neither finished nor failed.`,
    });
  return runs.map((r) => {
    const { pending: _, ...outcome } = outcomes.get(r.name)!;
    return outcome;
  });
}

function clusterTask(
  run: ClusterRun,
  outcome: Outcome & { pending: boolean },
  options: RunStepsOptions,
): ListrTask {
  const last = run.steps.at(-1);
  const task = (step: StepDef): ListrTask => ({
    title: stepTitle(options.redactor.redact(step.title)),
    task: async (_ctx, listrTask) => {
      await runStep(run, step, outcome, options, (line) => {
        listrTask.output = escapeControl(line);
      });
      if (step === last) {
        outcome.ok = true;
        outcome.pending = false;
      }
    },
  });
  const plain = run.steps.filter((s) => s.group === undefined);
  const setup = run.steps.filter((s) => s.group === "setup");
  const firstSetup = run.steps.findIndex((s) => s.group === "setup");
  const children: ListrTask[] = plain.map(task);
  if (setup.length > 0) {
    const index = run.steps.slice(0, firstSetup).filter((s) => s.group === undefined).length;
    children.splice(index, 0, {
      title: `setup (${setup.length} step${setup.length === 1 ? "" : "s"})`,
      task: (_ctx, t) => t.newListr(setup.map(task), { concurrent: false, exitOnError: true }),
    });
  }
  // A run without steps has nothing to prove (executePlans never makes one; kept total).
  if (children.length === 0) Object.assign(outcome, { ok: true, pending: false });
  return {
    title: run.name,
    task: (_ctx, t) => t.newListr(children, { concurrent: false, exitOnError: true }),
  };
}

/** One step: reported started, its output streamed and logged, then finished or failed (recorded). */
async function runStep(
  run: ClusterRun,
  step: StepDef,
  outcome: Outcome & { pending: boolean },
  options: RunStepsOptions,
  show: (line: string) => void,
): Promise<void> {
  const { observer, redactor } = options;
  const cluster = run.name;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (options.signal.aborted) {
    // Never started: no step event, but the cluster's outcome is this cancellation.
    const error = cancelled(step.id, redactor);
    Object.assign(outcome, { ok: false, pending: false, failedStep: step.id, error, code: error.code });
    throw error;
  }
  try {
    observer({ type: "step-started", cluster, step: step.id, title: redactor.redact(step.title) });
    await step.run({
      signal: options.signal,
      timeoutMs: options.stepTimeoutMs,
      onOutput: (line) => {
        const clean = redactor.redact(line);
        run.log.write(step.id, clean);
        observer({ type: "step-output", cluster, step: step.id, line: clean });
        show(clean);
      },
    });
    outcome.completed.push(step.id);
    observer({ type: "step-finished", cluster, step: step.id, durationMs: elapsed() });
  } catch (error) {
    const failure = options.signal.aborted && !isRhxError(error) ? cancelled(step.id, redactor) : error;
    const code = stepFailureCode(failure);
    const log = run.log.used ? run.log.path : undefined;
    Object.assign(outcome, { ok: false, pending: false, failedStep: step.id, error: failure, code, log });
    observer({
      type: "step-failed",
      cluster,
      step: step.id,
      durationMs: elapsed(),
      code,
      message: redactor.redact(failure instanceof Error ? failure.message : String(failure)),
      log,
    });
    throw redactedError(failure, redactor);
  }
}

function redactedError(error: unknown, redactor: Redactor): Error {
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  return new Error(escapeControl(message.split("\n")[0] ?? message));
}
