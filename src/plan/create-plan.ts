import type { ClusterSpec } from "../config/cluster.ts";
import type { LiveCluster } from "../drivers/types.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";
import type { ClusterState } from "../state/schema.ts";
import { classifiedFields, costlier, type PlanClass, setupSteps } from "./fields.ts";

export interface PlanChange {
  /** The field that causes the action (`image_id`, `setup[2]`, `env.HF_HOME`) or a condition (`live`). */
  field: string;
  class: PlanClass;
  kind: "add" | "change" | "remove" | "condition";
  from?: string | undefined;
  to?: string | undefined;
  /** True when the values are secret: the plan says that it changed, never what to. */
  secret?: boolean;
  note?: string | undefined;
}

export interface ClusterPlan {
  cluster: string;
  action: PlanClass;
  changes: PlanChange[];
  steps: {
    teardown: boolean;
    launch: boolean;
    /** First setup step to run (0-based over install + setup), or undefined when setup is current. */
    setupFrom: number | undefined;
    server: boolean;
    autostop: boolean;
  };
}

export interface PlanInput {
  spec: ClusterSpec;
  state: ClusterState | undefined;
  live: LiveCluster;
  fingerprint: Fingerprinter;
}

/**
 * File + recorded state + live truth → what an apply must do, each action with its cause. Pure.
 * One function on purpose: it is a decision list read top to bottom (absent, never launched, failed
 * launch, swapped, stopped, replace fields, then the in-place classes), and the first that holds wins.
 */
export function createPlan({ spec, state, live, fingerprint }: PlanInput): ClusterPlan {
  const steps = setupSteps(spec, fingerprint);
  const whole = (action: "create" | "replace", change: PlanChange): ClusterPlan => ({
    cluster: spec.name,
    action,
    changes: [change, ...(action === "replace" ? fieldChanges(spec, state, fingerprint, "replace") : [])],
    steps: {
      teardown: action === "replace",
      launch: true,
      setupFrom: steps.length > 0 ? 0 : undefined,
      server: true,
      autostop: false,
    },
  });

  if (live.state === "absent") {
    const failed = state?.stages.launch?.status === "failed" ? state.stages.launch : undefined;
    return whole("create", {
      field: "cluster",
      class: "create",
      kind: "condition",
      note: failed
        ? `previous launch failed: ${failed.error?.message ?? "unknown error"}; nothing of it is left, it will be launched again`
        : state
          ? "the cluster recorded in state is gone; it will be created again"
          : "not yet created",
    });
  }
  const launch = state?.stages.launch;
  if (!state || !launch) {
    return whole("replace", {
      field: "cluster",
      class: "replace",
      kind: "condition",
      note: "a cluster by this name runs but rhx has no record of how it was made",
    });
  }
  if (launch.status === "failed") {
    return whole("replace", {
      field: "cluster",
      class: "replace",
      kind: "condition",
      note: `previous launch failed: ${launch.error?.message ?? "unknown error"}`,
    });
  }
  if (launch.status === "running") {
    return whole("replace", {
      field: "cluster",
      class: "replace",
      kind: "condition",
      note: "the previous launch did not finish",
    });
  }
  if (state.liveId && live.id && state.liveId !== live.id) {
    return whole("replace", {
      field: "cluster",
      class: "replace",
      kind: "condition",
      note: "the cluster was recreated outside rhx",
    });
  }
  if (live.state !== "running") {
    return whole("replace", {
      field: "cluster",
      class: "replace",
      kind: "condition",
      note: `the cluster is ${live.state}`,
    });
  }
  const replaceChanges = fieldChanges(spec, state, fingerprint, "replace");
  if (replaceChanges.length > 0) {
    return {
      cluster: spec.name,
      action: "replace",
      changes: replaceChanges,
      steps: {
        teardown: true,
        launch: true,
        setupFrom: steps.length > 0 ? 0 : undefined,
        server: true,
        autostop: false,
      },
    };
  }

  const changes: PlanChange[] = [];
  let action: PlanClass = "no-op";
  const autostop = fieldChanges(spec, state, fingerprint, "update-in-place");
  changes.push(...autostop);
  let setupFrom = steps.findIndex((step, index) => state.setup[index] !== step.fingerprint);
  if (setupFrom === -1) setupFrom = Number.NaN;
  const setupChanged = !Number.isNaN(setupFrom);
  // Commands removed from the end: nothing runs, but the record must forget them, or putting one back
  // later would look done already.
  const setupShrank = state.setup.length > steps.length;
  if (setupChanged || setupShrank || state.stages.setup?.status !== "ok") {
    const setupFields = fieldChanges(spec, state, fingerprint, "setup");
    changes.push(...setupFields);
    if (state.stages.setup?.status === "failed")
      changes.push({ field: "setup", class: "setup", kind: "condition", note: "the last setup failed" });
    else if (state.stages.setup?.status === "running")
      changes.push({
        field: "setup",
        class: "setup",
        kind: "condition",
        note: "the last setup did not finish",
      });
    else if (setupChanged && setupFields.length === 0)
      // Killed between the launch and the first setup step: the fields are recorded, the steps never ran.
      changes.push({ field: "setup", class: "setup", kind: "condition", note: "setup has not run yet" });
    if (!setupChanged && steps.length > 0 && state.stages.setup?.status !== "ok")
      setupFrom = Math.min(state.setup.length, steps.length - 1);
  }
  const serverChanges = fieldChanges(spec, state, fingerprint, "server-restart");
  changes.push(...serverChanges);
  if (state.stages.server?.status !== "ok")
    changes.push({
      field: "server",
      class: "server-restart",
      kind: "condition",
      note: "the server was not started successfully",
    });
  for (const change of changes) action = costlier(action, change.class);
  const runSetup = action === "setup" || changes.some((c) => c.class === "setup");
  return {
    cluster: spec.name,
    action,
    changes,
    steps: {
      teardown: false,
      launch: false,
      setupFrom: runSetup && !Number.isNaN(setupFrom) ? setupFrom : undefined,
      server: runSetup || changes.some((c) => c.class === "server-restart"),
      autostop: autostop.length > 0,
    },
  };
}

/** Field-by-field comparison against the fingerprints recorded at the last successful apply. */
export function fieldChanges(
  spec: ClusterSpec,
  state: ClusterState | undefined,
  fingerprint: Fingerprinter,
  only: PlanClass,
): PlanChange[] {
  if (!state) return [];
  const current = classifiedFields(spec);
  const changes: PlanChange[] = [];
  const paths = new Set([...Object.keys(current), ...Object.keys(state.fields)]);
  for (const path of paths) {
    const now = current[path];
    const cls = now?.class ?? classOfRemoved(path);
    if (cls !== only) continue;
    const before = state.fields[path];
    const after = now && now.value !== undefined ? fingerprint(now.value) : undefined;
    if (before === after) continue;
    // A removed value was secret when its applied value was never shown.
    const secret =
      now?.value !== undefined ? now.shown === undefined : before !== undefined && !(path in state.shown);
    changes.push({
      field: path,
      class: cls,
      kind: before === undefined ? "add" : after === undefined ? "remove" : "change",
      from: secret ? undefined : state.shown[path],
      to: secret ? undefined : now?.shown,
      ...(secret ? { secret: true } : {}),
    });
  }
  return changes;
}

function classOfRemoved(path: string): PlanClass {
  if (path.startsWith("setup[") || path.startsWith("env.") || path.startsWith("runhouse.")) return "setup";
  if (path.startsWith("server.")) return "server-restart";
  if (path === "autostop_mins") return "update-in-place";
  return "replace";
}

/** What the state records for a spec once its launch succeeded. */
export function recordedFields(
  spec: ClusterSpec,
  fingerprint: Fingerprinter,
): Pick<ClusterState, "fields" | "shown"> {
  const fields: Record<string, string> = {};
  const shown: Record<string, string> = {};
  for (const [path, field] of Object.entries(classifiedFields(spec))) {
    if (field.value === undefined) continue;
    fields[path] = fingerprint(field.value);
    if (field.shown !== undefined) shown[path] = field.shown;
  }
  return { fields, shown };
}
