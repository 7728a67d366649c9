import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { DEFAULTS, PROVIDERS, type Provider } from "./defaults.ts";

/**
 * The single source of truth for `cluster.yaml`. `rhx schema --write` emits `runhouse.schema.json`
 * and `schemas/cluster.schema.json` from these objects, Ajv validates against the very same objects,
 * and `ClusterFile` below is the TypeScript type derived from them, so the three cannot disagree.
 * At run time Ajv's code for it is precompiled (scripts/gen-validator.ts → generated/), so commands
 * that only load a file never import TypeBox or Ajv.
 */

export const SCHEMA_ID = "https://rhx.dev/schemas/v1/cluster.schema.json";

export { DEFAULTS, PROVIDERS, type Provider } from "./defaults.ts";

const str = (description: string, examples: unknown[], extra: object = {}) =>
  Type.String({ description, examples, ...extra });

const PortRange = Type.Union(
  [Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ pattern: "^[0-9]{1,5}(-[0-9]{1,5})?$" })],
  { description: "A port (8080) or a range of ports ('10000-10010').", examples: [8080, "10000-10010"] },
);

const Docker = Type.Object(
  {
    username: Type.Optional(
      str("Registry user name. For ECR, `AWS`.", ["AWS", "${SKYPILOT_DOCKER_USERNAME}"]),
    ),
    password: Type.Optional(
      str(
        "Registry password or token. A secret: write `${SKYPILOT_DOCKER_PASSWORD}` and keep the value in the environment or a `.env` file. Empty means SkyPilot's instance-role login (ECR/GAR).",
        ["${SKYPILOT_DOCKER_PASSWORD}"],
      ),
    ),
    server: Type.Optional(
      str("Registry host, bare (no scheme, no path), with an optional port.", [
        "${SKYPILOT_DOCKER_SERVER}",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com",
        "ghcr.io",
      ]),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Private registry credentials; all three or none. When absent, SKYPILOT_DOCKER_USERNAME/PASSWORD/SERVER are taken from the environment (as Runhouse and SkyPilot do).",
    examples: [
      {
        username: "${SKYPILOT_DOCKER_USERNAME}",
        password: "${SKYPILOT_DOCKER_PASSWORD}",
        server: "${SKYPILOT_DOCKER_SERVER}",
      },
    ],
  },
);

const Runhouse = Type.Object(
  {
    version: Type.Optional(
      str(
        "Runhouse version installed in the container and started with that version's own CLI (known: 0.0.30–0.0.42; the docker-guide era is 0.0.30–0.0.36).",
        ["0.0.36"],
        {
          default: DEFAULTS.runhouseVersion,
        },
      ),
    ),
    install: Type.Optional(
      Type.Boolean({
        description: "Install Runhouse in the container. Set false when the image already has it.",
        examples: [false],
        default: true,
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The Runhouse installed and started in the container.",
    examples: [{ version: "0.0.36" }, { install: false }],
  },
);

const Server = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        default: DEFAULTS.serverPort,
        description: "Port of the Runhouse HTTP server in the container.",
        examples: [32300],
      }),
    ),
    den_auth: Type.Optional(
      Type.Boolean({
        default: false,
        description: "Start the server with Runhouse Den token authentication (--use-den-auth).",
        examples: [false],
      }),
    ),
    command: Type.Optional(
      str(
        "Advanced: a shell command that replaces Runhouse's own server start (`runhouse server restart --port …`; `runhouse restart` before 0.0.36).",
        ["runhouse server restart --port 32300 --host 0.0.0.0"],
      ),
    ),
    health_path: Type.Optional(
      str("HTTP path polled until the server answers.", ["/check"], {
        pattern: "^/",
        default: DEFAULTS.healthPath,
      }),
    ),
    health_timeout_secs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        default: DEFAULTS.healthTimeoutSecs,
        description: "How long to wait for the health endpoint before the apply fails.",
        examples: [120],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "The Runhouse server started in the container.",
    examples: [{ port: 32300, den_auth: false }],
  },
);

const Sky = Type.Object(
  {
    resources: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "Extra keys for SkyPilot's task `resources` (like Runhouse's sky_kwargs['resources']). Keys rhx models (image_id, cloud/infra/region/zone, instance_type/accelerators/cpus, memory, use_spot, disk_size, ports, autostop) and keys SkyPilot does not know are refused by validate.",
        examples: [{ disk_tier: "high" }],
      }),
    ),
    launch: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "Extra options for `sky launch`, without the dashes (like Runhouse's sky_kwargs['launch']). Options rhx models or sets itself (cluster, env/secret, num_nodes, location, resources, idle_minutes_to_autostop/down, yes, detach_run, dryrun, async) and options `sky launch` does not have are refused by validate.",
        examples: [{ retry_until_up: true }],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Passthrough to SkyPilot for what rhx does not model. Ignored by `provider: local`.",
    examples: [{ resources: { disk_tier: "high" }, launch: { retry_until_up: true } }],
  },
);

export const ClusterSchema = Type.Object(
  {
    $schema: Type.Optional(str("The schema this file follows (for editors).", ["../runhouse.schema.json"])),
    name: str(
      "Cluster name; also the SkyPilot cluster name and the local container's name (rhx-<name>). Lowercase letters, digits and '-' work on every cloud.",
      ["ecr-pytorch", "gpu-cluster"],
      { pattern: "^[a-zA-Z]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?$", maxLength: 63 },
    ),
    provider: Type.Unsafe<Provider>({
      type: "string",
      enum: [...PROVIDERS],
      description:
        "`local` runs the image on this machine's Docker engine; `cheapest` lets SkyPilot choose; anything else is a SkyPilot cloud.",
      examples: ["aws", "local", "kubernetes"],
    }),
    instance_type: Type.Optional(
      str(
        "Runhouse forms: 'CPU:2+' (vCPUs, '+' = at least), 'A10G:1' (accelerator:count), 'm5.xlarge' (a cloud instance type), '1CPU--1GB' (Kubernetes).",
        ["CPU:2+", "A10G:1", "m5.xlarge", "1CPU--1GB"],
        { minLength: 1 },
      ),
    ),
    num_nodes: Type.Optional(
      Type.Integer({ minimum: 1, default: 1, description: "Number of nodes.", examples: [1, 2] }),
    ),
    region: Type.Optional(str("Cloud region.", ["us-east-1"], { minLength: 1 })),
    zone: Type.Optional(str("Cloud zone (within the region).", ["us-east-1a"], { minLength: 1 })),
    use_spot: Type.Optional(
      Type.Boolean({ default: false, description: "Use spot instances.", examples: [false] }),
    ),
    memory: Type.Optional(
      Type.Union(
        [Type.Number({ exclusiveMinimum: 0 }), Type.String({ pattern: "^[0-9]+(\\.[0-9]+)?\\+?$" })],
        {
          description: "Memory in GB; '16+' means at least 16.",
          examples: ["16+", 32],
        },
      ),
    ),
    disk_size: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: "^[0-9]+\\+?$" })], {
        description: "Disk size in GB.",
        examples: [100],
      }),
    ),
    autostop_mins: Type.Optional(
      Type.Integer({
        minimum: -1,
        default: DEFAULTS.autostop_mins,
        description:
          "Minutes of idleness before the cluster is torn down; -1 = never. Default 60 (not Runhouse's old -1), so a forgotten cluster stops billing.",
        examples: [60, -1],
      }),
    ),
    open_ports: Type.Optional(
      Type.Union([PortRange, Type.Array(PortRange)], {
        description: "Ports to open to the outside.",
        examples: [[8080], 8080],
      }),
    ),
    image_id: str(
      "The Docker image, as Runhouse writes it: 'docker:<registry>/<image>:<tag>'. With SKYPILOT_DOCKER_SERVER set, the server prefixes the image unless it already starts with it.",
      ["docker:nvcr.io/nvidia/pytorch:23.10-py3", "docker:pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2"],
      { pattern: "^docker:" },
    ),
    platform: Type.Optional(
      str("Target platform the image must provide (checked before launch).", ["linux/amd64", "linux/arm64"], {
        pattern: "^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$",
        default: DEFAULTS.platform,
      }),
    ),
    docker: Type.Optional(Docker),
    env: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }),
        Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
        {
          description: "Environment variables set in the container for setup commands and the server.",
          examples: [{ HF_HOME: "/data/hf" }],
          additionalProperties: false,
        },
      ),
    ),
    setup: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description:
          "Shell commands run in the container after launch, in order; a failing command stops the apply.",
        examples: [["pip install -r requirements.txt"]],
      }),
    ),
    runhouse: Type.Optional(Runhouse),
    server: Type.Optional(Server),
    sky: Type.Optional(Sky),
  },
  {
    $id: SCHEMA_ID,
    title: "rhx cluster",
    description: "A Runhouse cluster running in a Docker container, applied with `rhx apply`.",
    additionalProperties: false,
  },
);

/** The file as written (after interpolation), before defaults are filled in. */
export type ClusterFile = Static<typeof ClusterSchema>;

/** The emitted, self-contained JSON Schema document. */
export function clusterJsonSchema(): Record<string, unknown> {
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...stripSymbols(ClusterSchema) };
}

/** TypeBox marks schemas with symbol keys; JSON.stringify drops them, this makes that explicit. */
export function stripSymbols(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
