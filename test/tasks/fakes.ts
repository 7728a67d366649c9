import type { ClusterSpec, LoadedCluster } from "../../src/config/cluster.ts";
import type { Driver, ExecResult, LiveCluster, StepOptions } from "../../src/drivers/types.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { applySteps, type StepDef } from "../../src/pipeline/steps.ts";
import { type ClusterPlan, createPlan } from "../../src/plan/create-plan.ts";
import type { CheckResult } from "../../src/preflight/types.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { type Fingerprinter, fingerprinterFromKey } from "../../src/state/fingerprint.ts";
import type { ClusterState } from "../../src/state/schema.ts";
import { Output } from "../../src/ui/output.ts";

/** One fixed key: fingerprints are deterministic across tests. */
export const fingerprint: Fingerprinter = fingerprinterFromKey(Buffer.alloc(32, 7));

export function spec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: "dev",
    provider: "local",
    num_nodes: 1,
    use_spot: false,
    autostop_mins: 60,
    open_ports: [],
    image_id: "docker:rhx-test/runhouse:0.0.36",
    platform: "linux/amd64",
    env: { GREETING: "hello" },
    setup: ["echo one", "echo two", "echo three"],
    runhouse: { version: "0.0.36", install: true },
    server: { port: 32300, den_auth: false, health_path: "/check", health_timeout_secs: 30 },
    sky: { resources: {}, launch: {} },
    ...overrides,
  };
}

export function loaded(clusterSpec: ClusterSpec, file = "cluster.yaml"): LoadedCluster {
  return {
    spec: clusterSpec,
    file,
    document: 0,
    location: { file, line: 1, column: 1 },
    variables: [],
  };
}

export const running = (id = "c1"): LiveCluster => ({ state: "running", id, ownedByRhx: true });
export const absent: LiveCluster = { state: "absent", ownedByRhx: false };

export interface Call {
  op: "status" | "launch" | "exec" | "waitForServer" | "teardown" | "setAutostop";
  command?: string;
}

/**
 * A driver that plays the engine in memory and records every call. `exec` answers by command text;
 * `hang` makes an operation wait until the step's signal aborts (or forever): the shape of a crash.
 */
export class FakeDriver implements Driver {
  readonly kind = "local" as const;
  calls: Call[] = [];
  live: LiveCluster;
  launchError: Error | undefined;
  serverError: Error | undefined;
  execResult: (command: string) => ExecResult = () => ({ exitCode: 0, tail: [] });
  hang: { op: Call["op"]; match?: string } | undefined;
  /** Resolves when an operation starts hanging: the moment a `kill -9` would hit. */
  hanging: Promise<void>;
  #hung: () => void = () => {};
  #ids = 0;

  constructor(live: LiveCluster = absent) {
    this.live = live;
    this.hanging = new Promise((resolve) => {
      this.#hung = resolve;
    });
  }

  setAutostop?: NonNullable<Driver["setAutostop"]>;

  /** The tests of this layer pass their own pre-flight callback; the driver's own checks all pass. */
  async preflight(): Promise<CheckResult[]> {
    return [];
  }

  withAutostop(): this {
    this.setAutostop = async (_spec, options) => this.#call({ op: "setAutostop" }, options);
    return this;
  }

  async status(): Promise<LiveCluster> {
    this.calls.push({ op: "status" });
    return { ...this.live };
  }

  async launch(_spec: ClusterSpec, options: StepOptions): Promise<LiveCluster> {
    await this.#call({ op: "launch" }, options);
    if (this.launchError) throw this.launchError;
    this.live = running(`c${++this.#ids + 1}`);
    return { ...this.live };
  }

  async exec(_spec: ClusterSpec, command: string, options: StepOptions): Promise<ExecResult> {
    await this.#call({ op: "exec", command }, options);
    const result = this.execResult(command);
    for (const line of result.tail) options.onOutput(line);
    return result;
  }

  async waitForServer(_spec: ClusterSpec, options: StepOptions): Promise<void> {
    await this.#call({ op: "waitForServer" }, options);
    if (this.serverError) throw this.serverError;
  }

  async teardown(_spec: Pick<ClusterSpec, "name">, options: StepOptions): Promise<void> {
    await this.#call({ op: "teardown" }, options);
    this.live = absent;
  }

  async shell(): Promise<number> {
    return 0;
  }

  teardownCommand(name: string): string {
    return `rhx down ${name}`;
  }

  ops(): string[] {
    return this.calls.map((c) => (c.command === undefined ? c.op : `${c.op}: ${c.command}`));
  }

  async #call(call: Call, options: StepOptions): Promise<void> {
    this.calls.push(call);
    const hang = this.hang;
    if (hang && hang.op === call.op && (hang.match === undefined || call.command?.includes(hang.match))) {
      this.#hung();
      await new Promise<void>((_resolve, reject) => {
        options.signal.addEventListener("abort", () =>
          reject(new RhxError({ code: "RHX_CANCELLED", message: "Interrupted." })),
        );
      });
    }
  }
}

/** Options for a step run outside listr. */
export function stepOptions(signal = new AbortController().signal): StepOptions & { lines: string[] } {
  const lines: string[] = [];
  return { signal, onOutput: (line) => lines.push(line), lines };
}

export interface Applied {
  plan: ClusterPlan;
  steps: StepDef[];
  /** Every state written, in order; the last one is what a crash would leave. */
  saved: ClusterState[];
  state: ClusterState | undefined;
  error: unknown;
}

/**
 * Plans `clusterSpec` against `state` and the driver's live cluster, then runs the steps in order the
 * way listr does (stopping at the first failure), recording every state write. `done` settles when
 * the steps end; until then `saved` is what a crash would leave behind.
 */
export async function startApply(
  driver: FakeDriver,
  clusterSpec: ClusterSpec,
  state: ClusterState | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<{ plan: ClusterPlan; steps: StepDef[]; saved: ClusterState[]; done: Promise<Applied> }> {
  const plan = createPlan({ spec: clusterSpec, state, live: await driver.status(), fingerprint });
  const saved: ClusterState[] = [];
  const steps = applySteps({
    cluster: loaded(clusterSpec),
    plan,
    driver,
    fingerprint,
    state,
    saveState: async (s) => {
      saved.push(structuredClone(s));
    },
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  const done = (async (): Promise<Applied> => {
    let error: unknown;
    try {
      for (const step of steps) await step.run(stepOptions(options.signal));
    } catch (caught) {
      error = caught;
    }
    return { plan, steps, saved, state: saved.at(-1) ?? state, error };
  })();
  return { plan, steps, saved, done };
}

export async function planAndApply(
  driver: FakeDriver,
  clusterSpec: ClusterSpec,
  state: ClusterState | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<Applied> {
  return (await startApply(driver, clusterSpec, state, options)).done;
}

/** A cluster applied successfully from scratch: the state a real first apply leaves. */
export async function appliedCluster(clusterSpec: ClusterSpec = spec()) {
  const driver = new FakeDriver();
  const first = await planAndApply(driver, clusterSpec, undefined);
  if (first.error) throw first.error;
  driver.calls = [];
  return { driver, state: first.state! };
}

/** An Output into test streams, uncoloured, with a redactor of its own (one run's). */
export function testOutput(options: {
  json: boolean;
  verbose?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}): Output {
  return new Output({ color: false, verbose: false, ...options, redactor: new Redactor() });
}
