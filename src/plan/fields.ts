import type { ClusterSpec } from "../config/cluster.ts";
import { looksSecret } from "../config/env.ts";
import { installCommand } from "../runhouse/commands.ts";
import type { Fingerprinter } from "../state/fingerprint.ts";

/** README, "The pipeline and the plan": cheapest first. `create` and `replace` cost a machine; the others do not. */
export const PLAN_CLASSES = [
  "no-op",
  "server-restart",
  "setup",
  "update-in-place",
  "replace",
  "create",
] as const;
export type PlanClass = (typeof PLAN_CLASSES)[number];

export function costlier(a: PlanClass, b: PlanClass): PlanClass {
  return PLAN_CLASSES.indexOf(a) >= PLAN_CLASSES.indexOf(b) ? a : b;
}

export interface FieldValue {
  /** What is fingerprinted. */
  value: unknown;
  /** What a plan may print; undefined for secrets. */
  shown: string | undefined;
  class: PlanClass;
}

/**
 * Every field that decides what an apply must do, by path. New credentials only reach a cluster
 * through a relaunch (the seed's warning), so they are launch fields like the image.
 */
export function classifiedFields(spec: ClusterSpec): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const add = (path: string, value: unknown, cls: PlanClass, secret = false) => {
    fields[path] = { value, shown: secret || value === undefined ? undefined : show(value), class: cls };
  };
  add("provider", spec.provider, "replace");
  add("instance_type", spec.instance_type, "replace");
  add("num_nodes", spec.num_nodes, "replace");
  add("region", spec.region, "replace");
  add("zone", spec.zone, "replace");
  add("use_spot", spec.use_spot, "replace");
  add("memory", spec.memory, "replace");
  add("disk_size", spec.disk_size, "replace");
  add("open_ports", spec.open_ports, "replace");
  add("image_id", spec.image_id, "replace");
  add("platform", spec.platform, "replace");
  add("docker.username", spec.docker?.username, "replace");
  add("docker.password", spec.docker?.password, "replace", true);
  add("docker.server", spec.docker?.server, "replace");
  add("sky.resources", spec.sky.resources, "replace");
  add("sky.launch", spec.sky.launch, "replace");
  add("autostop_mins", spec.autostop_mins, "update-in-place");
  add("runhouse.version", spec.runhouse.version, "setup");
  add("runhouse.install", spec.runhouse.install, "setup");
  for (const [key, value] of Object.entries(spec.env)) add(`env.${key}`, value, "setup", looksSecret(key));
  spec.setup.forEach((command, index) => {
    add(`setup[${index}]`, command, "setup");
  });
  add("server.port", spec.server.port, "server-restart");
  add("server.den_auth", spec.server.den_auth, "server-restart");
  add("server.command", spec.server.command, "server-restart");
  add("server.health_path", spec.server.health_path, "server-restart");
  add("server.health_timeout_secs", spec.server.health_timeout_secs, "server-restart");
  return fields;
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export interface SetupStep {
  title: string;
  command: string;
  /** Chained fingerprint: a step re-runs when it or anything before it changed. */
  fingerprint: string;
}

/** Runhouse install (unless `install: false`), then the user's commands, each chained to the last. */
export function setupSteps(spec: ClusterSpec, fingerprint: Fingerprinter): SetupStep[] {
  const commands: { title: string; command: string }[] = [];
  if (spec.runhouse.install)
    commands.push({
      title: `install runhouse ${spec.runhouse.version}`,
      command: installCommand(spec.runhouse.version),
    });
  for (const command of spec.setup) commands.push({ title: command, command });
  // The chain starts from what every step sees: the container's env and the Runhouse version.
  let previous = fingerprint({ env: spec.env, runhouse: spec.runhouse, image: spec.image_id });
  return commands.map(({ title, command }) => {
    previous = fingerprint([previous, command]);
    return { title, command, fingerprint: previous };
  });
}
