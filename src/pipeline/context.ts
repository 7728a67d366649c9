import { driverFor, driverKind } from "../drivers/select.ts";
import { runPreflight } from "../preflight/run-preflight.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { Output } from "../ui/output.ts";
import type { DriverFor, Preflight } from "./types.ts";

/** What a run of the pipeline needs from the command that starts it (the CLI's context fits it). */
export interface RunContext {
  globals: { stateDir: string; json: boolean; verbose: boolean; envFiles: string[] };
  output: Output;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Whether a person can answer a prompt. */
  interactive: boolean;
  redactor: Redactor;
}

/** `rhx apply`'s flags, as `apply`, `plan` and watch mode use them. */
export interface ApplyFlags {
  yes: boolean;
  allowReplace: boolean;
  concurrency: number;
  lockTimeoutMs: number;
  watch: boolean;
  stepTimeoutMs: number;
}

/** A setup command that never ends must not hold a lock (and a machine) forever. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

export interface RunSettings {
  stateDir: string;
  signal: AbortSignal;
  redactor: Redactor;
  driverFor: DriverFor;
  preflight: Preflight;
  concurrency: number;
  lockTimeoutMs: number;
  stepTimeoutMs: number;
  /** A live task tree on a terminal a person watches; one line per step event otherwise. */
  liveRenderer: boolean;
}

export function runSettings(ctx: RunContext, flags: ApplyFlags): RunSettings {
  return {
    stateDir: ctx.globals.stateDir,
    signal: ctx.signal,
    redactor: ctx.redactor,
    concurrency: flags.concurrency,
    lockTimeoutMs: flags.lockTimeoutMs,
    stepTimeoutMs: flags.stepTimeoutMs,
    // -v streams every output line, which a redrawing renderer would swallow.
    liveRenderer: ctx.interactive && !ctx.globals.json && !ctx.globals.verbose,
    driverFor: (cluster) =>
      driverFor(driverKind(cluster.spec.provider), {
        env: ctx.env,
        stateDir: ctx.globals.stateDir,
        redactor: ctx.redactor,
      }),
    preflight: (cluster, driver, running, launching) =>
      runPreflight(cluster, driver, {
        signal: ctx.signal,
        redactor: ctx.redactor,
        clusterRunning: running,
        launching,
      }),
  };
}
