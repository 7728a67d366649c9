import type { Rule, RuleContext } from "./rules.ts";
import type { PathSegment } from "./source.ts";
import { closest } from "./suggest.ts";

/**
 * The `sky:` passthrough may only add what rhx does not model. A key rhx models would override, after
 * validate and pre-flight checked the rhx field, what SkyPilot really launches (another image, other
 * credentials, another cloud), so it is refused with the field to use instead. A key SkyPilot does not
 * know would fail only at `sky launch`, after a plan; it is refused here too.
 */

/**
 * Keys of a task's `resources` that SkyPilot accepts: the properties of
 * `_get_single_resources_schema` in `sky/utils/schemas.py` at releases 0.9.3, 0.10.3, 0.11.2 and
 * master of 2026-01 (union: the installed version refuses its own unknowns at launch), plus
 * `max_hourly_cost` (≥0.12) and `local_disk` (≥0.14) from newer upstream releases. `any_of` and
 * `ordered` (from `get_resources_schema`) hold lists of such mappings.
 */
export const SKY_RESOURCES_KEYS = [
  "accelerator_args",
  "accelerators",
  "autostop",
  "cloud",
  "cpus",
  "disk_size",
  "disk_tier",
  "image_id",
  "infra",
  "instance_type",
  "job_recovery",
  "labels",
  "local_disk",
  "max_hourly_cost",
  "memory",
  "network_tier",
  "ports",
  "priority",
  "region",
  "use_spot",
  "volumes",
  "zone",
  "_cluster_config_overrides",
  "_docker_login_config",
  "_is_image_managed",
  "_no_missing_accel_warnings",
  "_requires_fuse",
] as const;

const RESOURCES_LISTS = ["any_of", "ordered"] as const;

/**
 * `sky launch` options, as the keys rhx turns into flags (`retry_until_up` → `--retry-until-up`):
 * the long option names of `launch` in `sky/client/cli/command.py` and `sky/client/cli/flags.py`
 * (`sky/cli.py` at 0.9.3), at releases 0.9.3, 0.10.3, 0.11.2 and master of 2026-01 (union).
 */
export const SKY_LAUNCH_OPTIONS = [
  "async",
  "clone",
  "clone_disk_from",
  "cloud",
  "cluster",
  "config",
  "cpus",
  "detach_run",
  "disk_size",
  "disk_tier",
  "docker",
  "down",
  "dryrun",
  "env",
  "env_file",
  "fast",
  "git_ref",
  "git_url",
  "gpus",
  "idle_minutes_to_autostop",
  "image_id",
  "infra",
  "instance_type",
  "memory",
  "name",
  "network_tier",
  "no_setup",
  "num_nodes",
  "ports",
  "region",
  "retry_until_up",
  "secret",
  "secret_file",
  "use_spot",
  "wait_for",
  "workdir",
  "yes",
  "zone",
] as const;

const LOCATION = "`provider`, `region` and `zone`";

/** Resources keys rhx models, and the field that sets them. */
const MODELLED_RESOURCES: Readonly<Record<string, string>> = {
  cloud: LOCATION,
  infra: LOCATION,
  region: "`region`",
  zone: "`zone`",
  instance_type: "`instance_type`",
  accelerators: "`instance_type` (e.g. `L4:1`)",
  cpus: "`instance_type` (e.g. `CPU:4+`)",
  memory: "`memory`",
  use_spot: "`use_spot`",
  disk_size: "`disk_size`",
  ports: "`open_ports`",
  image_id: "`image_id`",
  autostop: "`autostop_mins`",
  _docker_login_config: "the `docker:` block",
};

/** Launch options rhx models, or decides itself (the run's shape: no prompt, detached, its own backend). */
const MODELLED_LAUNCH: Readonly<Record<string, string>> = {
  cluster: "`name`",
  num_nodes: "`num_nodes`",
  cloud: LOCATION,
  infra: LOCATION,
  region: "`region`",
  zone: "`zone`",
  instance_type: "`instance_type`",
  gpus: "`instance_type` (e.g. `L4:1`)",
  cpus: "`instance_type` (e.g. `CPU:4+`)",
  memory: "`memory`",
  use_spot: "`use_spot`",
  disk_size: "`disk_size`",
  ports: "`open_ports`",
  image_id: "`image_id`",
  idle_minutes_to_autostop: "`autostop_mins`",
  down: "`autostop_mins` (an idle cluster is torn down, as Runhouse does)",
  env: "`env` (and the `docker:` block for registry credentials)",
  env_file: "`env` (and the `docker:` block for registry credentials)",
  secret: "`env` (and the `docker:` block for registry credentials)",
  secret_file: "`env` (and the `docker:` block for registry credentials)",
};
const SET_BY_RHX = new Set(["yes", "detach_run", "dryrun", "async", "docker"]);

/**
 * Arguments of SkyPilot's Python `sky.launch()` that are no `sky launch` option (`sky/execution.py`
 * 0.9.3, `sky/client/sdk.py` 0.11.2): Runhouse's sky_kwargs["launch"] took these, rhx drives the CLI.
 */
const SDK_ONLY = new Set(["backend", "optimize_target", "stream_logs"]);

/** Task keys (`get_task_schema`) written under `resources` by mistake, and the rhx field for them. */
const TASK_KEYS: Readonly<Record<string, string>> = {
  envs: "`env`",
  secrets: "`env` (and the `docker:` block for registry credentials)",
  num_nodes: "`num_nodes`",
  setup: "`setup`",
  name: "`name`",
};

/** `sky.resources.any_of[0].region`, as a person writes the path. */
function dotted(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** `retry-until-up` and `--retry-until-up` are the same option as `retry_until_up`. */
function optionName(key: string): string {
  return key.replace(/^-+/, "").replace(/-/g, "_");
}

export const skyPassthroughRule: Rule = (context) => {
  const sky = context.cluster.sky;
  if (!sky) return;
  if (sky.resources) checkResources(context, ["sky", "resources"], sky.resources);
  for (const key of Object.keys(sky.launch ?? {})) checkLaunch(context, key);
};

function checkResources(context: RuleContext, at: PathSegment[], resources: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(resources)) {
    const path = [...at, key];
    const where = `\`${dotted(path)}\``;
    if ((RESOURCES_LISTS as readonly string[]).includes(key) && at.length === 2) {
      if (Array.isArray(value))
        value.forEach((item, index) => {
          if (item !== null && typeof item === "object" && !Array.isArray(item))
            checkResources(context, [...path, index], item as Record<string, unknown>);
        });
      continue;
    }
    const field = MODELLED_RESOURCES[key];
    if (field !== undefined) {
      context.report(
        path,
        {
          code: "RHX_SKY_PASSTHROUGH_MODELLED",
          severity: "error",
          message: `${where} would override what rhx sets from ${field}, after validate and pre-flight checked that.`,
          hint: `Use ${field} instead, and remove ${where}.`,
        },
        "key",
      );
      continue;
    }
    if ((SKY_RESOURCES_KEYS as readonly string[]).includes(key)) continue;
    const task = TASK_KEYS[key];
    if (task !== undefined) {
      context.report(
        path,
        {
          code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
          severity: "error",
          message: `${where}: \`${key}\` is a key of SkyPilot's task, not of its resources.`,
          hint: `rhx sets it from ${task}; remove ${where}.`,
        },
        "key",
      );
      continue;
    }
    const suggestion = closest(
      key,
      SKY_RESOURCES_KEYS.filter((k) => !(k in MODELLED_RESOURCES)),
    );
    context.report(
      path,
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        severity: "error",
        message: `${where}: SkyPilot's task resources have no key \`${key}\`.`,
        hint: suggestion
          ? `Did you mean \`${suggestion}\`?`
          : "See SkyPilot's task YAML reference (resources); keys rhx models go in rhx's own fields.",
      },
      "key",
    );
  }
}

function checkLaunch(context: RuleContext, key: string): void {
  const path = ["sky", "launch", key];
  const where = `\`sky.launch.${key}\``;
  const name = optionName(key);
  const flag = `--${name.replace(/_/g, "-")}`;
  if (SET_BY_RHX.has(name)) {
    context.report(
      path,
      {
        code: "RHX_SKY_PASSTHROUGH_MODELLED",
        severity: "error",
        message: `${where} (\`${flag}\`) is decided by rhx itself for every launch.`,
        hint: `Remove ${where}.`,
      },
      "key",
    );
    return;
  }
  const isOption = (SKY_LAUNCH_OPTIONS as readonly string[]).includes(name);
  // `cluster_name`: the Python SDK's name for `--cluster`, as in Runhouse's sky_kwargs.
  const field = MODELLED_LAUNCH[name] ?? (name === "cluster_name" ? "`name`" : undefined);
  if (field !== undefined) {
    context.report(
      path,
      {
        code: "RHX_SKY_PASSTHROUGH_MODELLED",
        severity: "error",
        message: `${where}${isOption ? ` (\`${flag}\`)` : ""} would override what rhx sets from ${field}, after validate and pre-flight checked that.`,
        hint: `Use ${field} instead, and remove ${where}.`,
      },
      "key",
    );
    return;
  }
  if (isOption) return;
  if (SDK_ONLY.has(name)) {
    context.report(
      path,
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        severity: "error",
        message: `${where}: \`${name}\` is an argument of SkyPilot's Python \`sky.launch()\` (Runhouse's sky_kwargs), not a \`sky launch\` option.`,
        hint: `rhx launches through the \`sky\` CLI; remove ${where}.`,
      },
      "key",
    );
    return;
  }
  const suggestion = closest(
    name,
    SKY_LAUNCH_OPTIONS.filter((k) => !(k in MODELLED_LAUNCH) && !SET_BY_RHX.has(k)),
  );
  context.report(
    path,
    {
      code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
      severity: "error",
      message: `${where}: \`sky launch\` has no option \`${flag}\`.`,
      hint: suggestion
        ? `Did you mean \`${suggestion}\`?`
        : "Keys are `sky launch` options without the dashes, e.g. `retry_until_up: true` for `--retry-until-up`.",
    },
    "key",
  );
}
