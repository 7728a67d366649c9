import { RUNHOUSE_ERAS, runhouseRelease } from "../runhouse/versions.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { ClusterFile } from "./schema.ts";
import { skyPassthroughRule } from "./sky-passthrough.ts";
import { locatePath, type PathSegment, type SourceDocument } from "./source.ts";

/** Checks JSON Schema cannot express. Each rule reports through `report`; none throws. */
export interface RuleContext {
  source: SourceDocument;
  cluster: ClusterFile;
  /** Paths whose values could not be interpolated: rules stay quiet about them. */
  isUnresolved(path: readonly PathSegment[]): boolean;
  /** Whether the value at `path` was written literally (not produced by `${…}`). */
  isLiteral(path: readonly PathSegment[]): boolean;
  report(
    path: readonly PathSegment[],
    diagnostic: Omit<Diagnostic, "location" | "frame">,
    target?: "key" | "value",
  ): void;
}

export type Rule = (context: RuleContext) => void;

/** Names Runhouse reserves for its own resource kinds (runhouse/constants.py). */
const RESERVED_NAMES = new Set(["file", "s3", "gs", "azure", "here", "ssh", "sftp"]);

/** Accelerator names a user might write bare, meaning one of them; `A10G` alone is no instance type. */
export const KNOWN_ACCELERATORS = [
  "A10",
  "A10G",
  "A100",
  "A100-80GB",
  "A6000",
  "B200",
  "H100",
  "H100-MEGA",
  "H200",
  "K80",
  "L4",
  "L40",
  "L40S",
  "M60",
  "P100",
  "P4",
  "T4",
  "T4g",
  "V100",
  "V100-32GB",
  "RTX6000",
  "RTX4090",
  "RTX3090",
  "TPU-V4",
  "TPU-V5",
];

const nameRule: Rule = ({ cluster, report }) => {
  const name = cluster.name;
  if (RESERVED_NAMES.has(name.toLowerCase())) {
    report(["name"], {
      code: "RHX_NAME_RESERVED",
      severity: "error",
      message: `The cluster name "${name}" is reserved by Runhouse.`,
      hint: "Pick another name, e.g. `my-cluster`.",
    });
  } else if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    report(["name"], {
      code: "RHX_NAME_PORTABILITY",
      severity: "warning",
      message: `The cluster name "${name}" has uppercase letters, '_' or '.', which some clouds (GCP, Kubernetes) reject.`,
      hint: `Use lowercase letters, digits and '-': \`${name.toLowerCase().replace(/[_.]/g, "-")}\`.`,
    });
  }
};

const instanceTypeRule: Rule = ({ cluster, report, isUnresolved }) => {
  const value = cluster.instance_type;
  if (value === undefined || isUnresolved(["instance_type"])) return;
  const at = ["instance_type"];
  const bad = (message: string, hint: string) =>
    report(at, { code: "RHX_INSTANCE_TYPE", severity: "error", message, hint });
  if (value.includes("--")) {
    if (cluster.provider !== "kubernetes" && cluster.provider !== "cheapest" && cluster.provider !== "local")
      report(at, {
        code: "RHX_INSTANCE_TYPE",
        severity: "warning",
        message: `"${value}" is a Kubernetes instance string, but the provider is ${cluster.provider}.`,
        hint: "Use `provider: kubernetes`, or a cloud instance type such as `m5.xlarge`.",
      });
    return;
  }
  if (value.includes(":")) {
    const [kind, count = ""] = [
      value.slice(0, value.lastIndexOf(":")),
      value.slice(value.lastIndexOf(":") + 1),
    ];
    if (kind.toUpperCase() === "CPU") {
      if (!/^[0-9]+(\.[0-9]+)?\+?$/.test(count))
        bad(
          `"${value}" asks for "${count}" CPUs.`,
          "Write a number of vCPUs, with '+' for at least: `CPU:2+`.",
        );
      return;
    }
    if (kind === "" || !/^[0-9]+(\.[0-9]+)?$/.test(count) || Number(count) <= 0)
      bad(
        `"${value}" is not an accelerator request.`,
        "Write `<accelerator>:<count>`, e.g. `A10G:1` or `A100:8`.",
      );
    return;
  }
  const accelerator = KNOWN_ACCELERATORS.find((a) => a.toLowerCase() === value.toLowerCase());
  if (accelerator || /^CPU\+?$/i.test(value)) {
    const fix = accelerator ? `${accelerator}:1` : "CPU:2+";
    bad(
      `"${value}" would be read as a cloud instance type, and no cloud has one by that name.`,
      `Runhouse needs a count: \`instance_type: ${fix}\`.`,
    );
  }
};

const dockerBlockRule: Rule = ({ cluster, report, isUnresolved, isLiteral }) => {
  const docker = cluster.docker;
  if (!docker) return;
  const missing = (["username", "password", "server"] as const).filter((k) => docker[k] === undefined);
  if (missing.length > 0) {
    report(
      ["docker"],
      {
        code: "RHX_DOCKER_CREDENTIALS_PARTIAL",
        severity: "error",
        message: `\`docker\` needs all three of username, password and server; missing: ${missing.join(", ")}.`,
        hint: "SkyPilot rejects a partial set. Add the missing keys, or remove `docker:` to use SKYPILOT_DOCKER_* from the environment.",
      },
      "key",
    );
  }
  if (docker.password && isLiteral(["docker", "password"]) && !isUnresolved(["docker", "password"])) {
    report(["docker", "password"], {
      code: "RHX_SECRET_IN_FILE",
      severity: "warning",
      message: "The registry password is written in the file; it will be committed with it.",
      hint: "Write `password: ${SKYPILOT_DOCKER_PASSWORD}` and keep the value in .env (not committed).",
    });
  }
};

const localProviderRule: Rule = ({ cluster, report }) => {
  if (cluster.provider !== "local") return;
  if ((cluster.num_nodes ?? 1) !== 1)
    report(["num_nodes"], {
      code: "RHX_LOCAL_CONSTRAINT",
      severity: "error",
      message: "`provider: local` runs one container on this machine; `num_nodes` must be 1.",
      hint: "Remove `num_nodes`, or choose a cloud provider for a multi-node cluster.",
    });
  if (cluster.use_spot)
    report(["use_spot"], {
      code: "RHX_LOCAL_CONSTRAINT",
      severity: "error",
      message: "`provider: local` has no spot instances.",
      hint: "Remove `use_spot`, or choose a cloud provider.",
    });
  const ignored = (
    ["instance_type", "region", "zone", "memory", "disk_size", "open_ports", "sky"] as const
  ).filter((k) => cluster[k] !== undefined);
  for (const key of ignored)
    report(
      [key],
      {
        code: "RHX_LOCAL_IGNORED",
        severity: "warning",
        message: `\`${key}\` has no effect with \`provider: local\` (the container runs on this machine with host networking).`,
        hint: "Remove it, or keep it for when you move the cluster to a cloud.",
      },
      "key",
    );
};

/** rhx starts each Runhouse release as its own CLI does (runhouse/versions.ts); others get a guess. */
const runhouseVersionRule: Rule = ({ cluster, report }) => {
  const version = cluster.runhouse?.version;
  if (version === undefined || runhouseRelease(version).known) return;
  const { era } = runhouseRelease(version);
  const first = RUNHOUSE_ERAS[0]?.from;
  const last = RUNHOUSE_ERAS.at(-1)?.to;
  report(["runhouse", "version"], {
    code: "RHX_RUNHOUSE_VERSION_UNKNOWN",
    severity: "warning",
    message: `Runhouse ${version} is not a release rhx knows (${first}–${last}); it is started as ${era.from}–${era.to} are (\`${era.serverGroup} restart\`).`,
    hint: `Use a release from ${first} to ${last}, or start the server yourself with \`server.command\`.`,
  });
};

export const RULES: readonly Rule[] = [
  nameRule,
  instanceTypeRule,
  dockerBlockRule,
  localProviderRule,
  runhouseVersionRule,
  skyPassthroughRule,
];

export function runRules(context: Omit<RuleContext, "report">, rules: readonly Rule[] = RULES): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: RuleContext["report"] = (path, diagnostic, target = "value") => {
    if (context.isUnresolved(path)) return;
    diagnostics.push({ ...diagnostic, ...locatePath(context.source, path, target) });
  };
  for (const rule of rules) rule({ ...context, report });
  return diagnostics;
}
