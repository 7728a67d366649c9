import type { LoadedCluster } from "../config/cluster.ts";
import type { Driver, StepOptions } from "../drivers/types.ts";
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { ClusterPlan } from "../plan/create-plan.ts";
import { recordedFields } from "../plan/create-plan.ts";
import { classifiedFields, type PlanClass, setupSteps } from "../plan/fields.ts";
import { serverStartCommand } from "../runhouse/commands.ts";
import { probedVersion, serverStartError, VERSION_PROBE } from "../runhouse/start-failure.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";
import type { ClusterState, StageName } from "../state/schema.ts";
import { escapeControl } from "../ui/escape.ts";

/** One unit of work in a cluster's apply: what the task tree shows and the event stream reports. */
export interface StepDef {
  id: string;
  title: string;
  /** Steps of one group (the setup commands) render as subtasks of a parent. */
  group?: "setup";
  run(options: StepOptions): Promise<void>;
}

export interface StepsInput {
  cluster: LoadedCluster;
  plan: ClusterPlan;
  driver: Driver;
  fingerprint: Fingerprinter;
  /** The state as read before the plan; steps update and persist it as they go. */
  state: ClusterState | undefined;
  saveState(state: ClusterState): Promise<void>;
  now?: () => Date;
}

/**
 * The plan's steps as closures over the driver and the state. Every step records its outcome before
 * it returns or throws, so an interrupted or crashed apply leaves state the next plan can act on.
 * Longer than most functions on purpose: the steps share one closure over the state record they
 * save in turn; split apart, each would have to be handed that record and hand it back.
 */
export function applySteps(input: StepsInput): StepDef[] {
  const { cluster, plan, driver, fingerprint } = input;
  const spec = cluster.spec;
  const now = () => (input.now ?? (() => new Date()))().toISOString();
  let state: ClusterState = input.state ?? {
    version: 1,
    name: spec.name,
    driver: driver.kind,
    provider: spec.provider,
    file: cluster.file,
    fields: {},
    shown: {},
    setup: [],
    stages: {},
    createdAt: now(),
    updatedAt: now(),
  };
  const save = async (patch: { [K in keyof ClusterState]?: ClusterState[K] | undefined }) => {
    const next: Record<string, unknown> = { ...state, ...patch, updatedAt: now() };
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    state = next as ClusterState;
    await input.saveState(state);
  };
  const stage = (name: StageName, status: "running" | "ok" | "failed", error?: unknown) =>
    save({
      stages: {
        ...state.stages,
        [name]: {
          status,
          at: now(),
          ...(error === undefined ? {} : { error: { code: codeOf(error), message: messageOf(error) } }),
        },
      },
    });
  const recording = async (name: StageName, work: () => Promise<void>) => {
    await stage(name, "running");
    try {
      await work();
    } catch (error) {
      await stage(name, "failed", error);
      throw error;
    }
    await stage(name, "ok");
  };

  const steps: StepDef[] = [];
  if (plan.steps.teardown) {
    steps.push({
      id: "teardown",
      title: `tear down ${spec.name}`,
      run: async (options) => {
        await driver.teardown(spec, options);
        await save({ stages: {}, setup: [], fields: {}, shown: {}, liveId: undefined });
      },
    });
  }
  if (plan.steps.launch) {
    steps.push({
      id: "launch",
      title: `launch ${spec.image_id.replace(/^docker:/, "")}`,
      run: async (options) => {
        // Fields are recorded before the launch: a failed launch is then a replace, not a create. This
        // reset comes before the stage is marked running, so a crash mid-launch leaves `running`.
        await save({
          ...recordedFields(spec, fingerprint),
          setup: [],
          stages: {},
          liveId: undefined,
          file: cluster.file,
        });
        await recording("launch", async () => {
          const live = await driver.launch(spec, options);
          await save({ liveId: live.id });
        });
      },
    });
  }
  if (plan.steps.autostop) {
    const setAutostop = driver.setAutostop?.bind(driver);
    steps.push({
      id: "autostop",
      title: setAutostop
        ? `set autostop to ${spec.autostop_mins} min`
        : `record autostop_mins ${spec.autostop_mins} (the ${driver.kind} driver has no autostop)`,
      run: async (options) => {
        await setAutostop?.(spec, options);
        // Only this class: a crash before the later steps must leave their changes still pending.
        await save(recordedClass(state, spec, fingerprint, "update-in-place"));
      },
    });
  }
  const setup = setupSteps(spec, fingerprint);
  const from = plan.steps.setupFrom;
  if (from !== undefined) {
    setup.slice(from).forEach((step, offset) => {
      const index = from + offset;
      steps.push({
        id: `setup-${index + 1}`,
        title: step.title,
        group: "setup",
        run: async (options) => {
          if (offset === 0) await stage("setup", "running");
          const result = await driver.exec(spec, step.command, options).catch(async (error: unknown) => {
            await stage("setup", "failed", error);
            throw error;
          });
          if (result.exitCode !== 0) {
            const error = new RhxError({
              code: "RHX_SETUP_FAILED",
              message: `Setup step ${index + 1} (\`${escapeControl(step.title)}\`) exited with code ${result.exitCode}.${result.tail.length ? `\n${result.tail.map((l) => `    ${escapeControl(l)}`).join("\n")}` : ""}`,
              hint: "Fix the command in `setup` and apply again; steps before it are not re-run.",
              exitCode: ExitCode.StepFailed,
            });
            await save({ setup: state.setup.slice(0, index) });
            await stage("setup", "failed", error);
            throw error;
          }
          await save({ setup: [...state.setup.slice(0, index), step.fingerprint] });
          if (index === setup.length - 1) {
            await save(recordedFields(spec, fingerprint));
            await stage("setup", "ok");
          }
        },
      });
    });
  }
  if (plan.steps.setupFrom === undefined && setup.length === 0 && plan.steps.launch) {
    // Nothing to set up: the stage is trivially complete.
    steps.push({ id: "setup", title: "setup (nothing to run)", run: () => stage("setup", "ok") });
  }
  if (plan.steps.server) {
    steps.push({
      id: "server",
      title: `start the Runhouse server on port ${spec.server.port}`,
      run: (options) =>
        recording("server", async () => {
          const result = await driver.exec(spec, serverStartCommand(spec), options);
          if (result.exitCode !== 0) {
            // Another version in the container spells the restart differently; say which one it is.
            const installed = spec.server.command
              ? undefined
              : await driver.exec(spec, VERSION_PROBE, options).then(
                  (probe) => (probe.exitCode === 0 ? probedVersion(probe.tail) : undefined),
                  () => undefined,
                );
            throw serverStartError(spec, result.exitCode, result.tail, installed);
          }
          await driver.waitForServer(spec, options);
          // Recording server fields here keeps a server-only change from re-running anything else.
          // Setup commands removed from the end are forgotten here too (see createPlan).
          await save({ ...recordedFields(spec, fingerprint), setup: state.setup.slice(0, setup.length) });
        }),
    });
  }
  return steps;
}

/** The recorded fields with those of one class brought up to `spec`, the others left as they were. */
function recordedClass(
  state: ClusterState,
  spec: LoadedCluster["spec"],
  fingerprint: Fingerprinter,
  cls: PlanClass,
): Pick<ClusterState, "fields" | "shown"> {
  const now = recordedFields(spec, fingerprint);
  const fields = { ...state.fields };
  const shown = { ...state.shown };
  for (const [path, field] of Object.entries(classifiedFields(spec))) {
    if (field.class !== cls) continue;
    delete fields[path];
    delete shown[path];
    if (now.fields[path] !== undefined) fields[path] = now.fields[path];
    if (now.shown[path] !== undefined) shown[path] = now.shown[path];
  }
  return { fields, shown };
}

function codeOf(error: unknown): string {
  return error instanceof RhxError ? error.code : "RHX_STEP_FAILED";
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
