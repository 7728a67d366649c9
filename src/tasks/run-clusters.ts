import { Listr, ListrLogger, type ListrTask, PRESET_TIMER, ProcessOutput } from "listr2";
import { ExitCode } from "../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../errors/rhx-error.ts";
import { redact } from "../secrets/redactor.ts";
import { escapeControl } from "../ui/escape.ts";
import { type StepReporter, stepTitle } from "./reporter.ts";
import type { RunLog } from "./run-log.ts";
import type { StepDef } from "./steps.ts";

export interface ClusterRun {
  name: string;
  steps: StepDef[];
  log: RunLog;
}

export interface RunOutcome {
  name: string;
  ok: boolean;
  /** The step that failed, and why. */
  failedStep?: string;
  error?: unknown;
  /** Steps that completed, in order (for "what is still running" after an interrupt). */
  completed: string[];
}

export interface RunOptions {
  reporter: StepReporter;
  signal: AbortSignal;
  concurrency: number;
  /** `default` on a terminal a person watches; `silent` otherwise (the reporter prints lines). */
  renderer: "default" | "silent";
  stepTimeoutMs?: (step: StepDef) => number | undefined;
}

/**
 * Runs each cluster's steps as one listr2 task tree: clusters concurrently (bounded), the steps of
 * one cluster in order, the first failure stopping that cluster only.
 */
export async function runClusters(runs: readonly ClusterRun[], options: RunOptions): Promise<RunOutcome[]> {
  const outcomes = new Map<string, RunOutcome>(
    runs.map((r) => [r.name, { name: r.name, ok: true, completed: [] }]),
  );
  const task = (run: ClusterRun, step: StepDef): ListrTask => ({
    title: stepTitle(redact(step.title)),
    task: async (_ctx, listrTask) => {
      const outcome = outcomes.get(run.name)!;
      if (options.signal.aborted) throw cancelled();
      const started = performance.now();
      options.reporter.started(run.name, step.id, redact(step.title));
      try {
        await step.run({
          signal: options.signal,
          timeoutMs: options.stepTimeoutMs?.(step),
          onOutput: (line) => {
            const clean = redact(line);
            run.log.write(step.id, clean);
            options.reporter.line(run.name, step.id, clean);
            listrTask.output = escapeControl(clean);
          },
        });
      } catch (error) {
        const failure = options.signal.aborted && !isRhxError(error) ? cancelled() : error;
        outcome.ok = false;
        outcome.failedStep = step.id;
        outcome.error = failure;
        options.reporter.failed(
          run.name,
          step.id,
          performance.now() - started,
          failure,
          run.log.used ? run.log.path : undefined,
        );
        throw redactedError(failure);
      }
      outcome.completed.push(step.id);
      options.reporter.finished(run.name, step.id, performance.now() - started);
    },
  });
  const clusterTask = (run: ClusterRun): ListrTask => {
    const plain = run.steps.filter((s) => s.group === undefined);
    const setup = run.steps.filter((s) => s.group === "setup");
    const firstSetup = run.steps.findIndex((s) => s.group === "setup");
    const children: ListrTask[] = plain.map((s) => task(run, s));
    if (setup.length > 0) {
      const index = run.steps.slice(0, firstSetup).filter((s) => s.group === undefined).length;
      children.splice(index, 0, {
        title: `setup (${setup.length} step${setup.length === 1 ? "" : "s"})`,
        task: (_ctx, t) =>
          t.newListr(
            setup.map((s) => task(run, s)),
            { concurrent: false, exitOnError: true },
          ),
      });
    }
    return {
      title: run.name,
      task: (_ctx, t) => t.newListr(children, { concurrent: false, exitOnError: true }),
    };
  };
  const list = new Listr(runs.map(clusterTask), {
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
  });
  try {
    await list.run();
  } catch {
    // Failures are recorded per cluster in `outcomes`; listr rethrows only with exitOnError.
  }
  return runs.map((r) => outcomes.get(r.name)!);
}

function cancelled(): RhxError {
  return new RhxError({ code: "RHX_CANCELLED", message: "Interrupted.", exitCode: ExitCode.Interrupted });
}

function redactedError(error: unknown): Error {
  const message = redact(error instanceof Error ? error.message : String(error));
  return new Error(escapeControl(message.split("\n")[0] ?? message));
}
