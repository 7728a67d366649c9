import type { ClusterSpec, LoadedCluster } from "../config/cluster.ts";
import type { CheckResult, DriverPreflightOptions } from "../preflight/types.ts";
import type { Redactor } from "../secrets/redactor.ts";

/**
 * A driver is the only code that spawns processes for a cluster (README, "Development"). The pipeline, plan
 * and watch loop talk to this interface; tests of those layers pass fakes, driver tests use the
 * real engine (local) or the faithful fake `sky` (skypilot).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The run a driver works for, given when it is made: nothing in a driver reads process-wide state.
 * Children start from `env` (over this process's own, which the CLI passes as `env` anyway), every
 * line they print and every error passes `redactor`, and `stateDir` holds what rhx knows.
 */
export interface RunContext {
  env: Environment;
  redactor: Redactor;
  stateDir: string;
}

/** What the engine says about a cluster right now. */
export interface LiveCluster {
  /** `absent`: nothing by that name; `running`/`up`: usable; `stopped`/`init`: exists, not usable. */
  state: "absent" | "running" | "stopped" | "init";
  /** Container id (local) or SkyPilot cluster hash; changes when the cluster is replaced. */
  id?: string | undefined;
  /** The image reference the cluster runs, as the engine reports it. */
  image?: string | undefined;
  /** True only when the cluster carries rhx's mark (label / recorded by rhx): nothing else is touched. */
  ownedByRhx: boolean;
  /** Autostop minutes as the engine knows them (SkyPilot), when it knows. */
  autostopMins?: number | undefined;
  /** A human phrase for `rhx status` ("Up 3 minutes", "INIT"). */
  detail?: string | undefined;
}

/** A line of output from a child process, already redacted by the driver. */
export type OutputSink = (line: string) => void;

export interface StepOptions {
  signal: AbortSignal;
  /** Every line the step's children print; the UI shows the latest, the run log keeps all. */
  onOutput: OutputSink;
  /** Upper bound for the step; the driver kills its children when it passes. */
  timeoutMs?: number | undefined;
}

export interface ExecResult {
  exitCode: number;
  /** The last lines of combined output, redacted, for error messages. */
  tail: string[];
}

export interface Driver {
  readonly kind: "local" | "skypilot";
  /**
   * The checks of this driver's own tools before anything is launched (engine, port; `sky`, its
   * cloud). Answers even when the tool is missing — saying so is its job — and never mutates anything.
   */
  preflight(cluster: LoadedCluster, options: DriverPreflightOptions): Promise<CheckResult[]>;
  /** Live truth: one cheap query (docker inspect / sky status). Never mutates. */
  status(spec: Pick<ClusterSpec, "name">, options: Pick<StepOptions, "signal">): Promise<LiveCluster>;
  /** Log in, pull, start the cluster. Throws a DriverError (RhxError) whose code classifies the failure. */
  launch(spec: ClusterSpec, options: StepOptions): Promise<LiveCluster>;
  /** Runs a shell command inside the cluster's container with the config's `env`. Never throws for a non-zero exit. */
  exec(spec: ClusterSpec, command: string, options: StepOptions): Promise<ExecResult>;
  /** Polls the Runhouse server's health endpoint until it answers or the timeout passes. */
  waitForServer(spec: ClusterSpec, options: StepOptions): Promise<void>;
  /** Applies an autostop change in place (SkyPilot); local clusters have none. */
  setAutostop?(spec: ClusterSpec, options: StepOptions): Promise<void>;
  /** Removes the cluster; refuses (throws) for anything not owned by rhx. Verifies it is gone. */
  teardown(spec: Pick<ClusterSpec, "name">, options: StepOptions): Promise<void>;
  /** An interactive shell (or `command`) inside the container; resolves to its exit code. */
  shell(spec: Pick<ClusterSpec, "name">, command: readonly string[]): Promise<number>;
  /** The exact command a person runs to tear the cluster down by hand. */
  teardownCommand(name: string): string;
}
