import type { SourceLocation } from "../errors/rhx-error.ts";
import type { RunhouseSpec } from "../runhouse/spec.ts";
import { DEFAULTS, type Provider } from "./defaults.ts";
import type { ClusterFile } from "./schema.ts";

/** Registry credentials, in memory only: they never reach state, events, logs or argv. */
export interface DockerCredentials {
  username: string;
  password: string;
  server: string;
  /** `config`: the file's `docker:` block; `environment`: SKYPILOT_DOCKER_* (as Runhouse reads them). */
  source: "config" | "environment";
}

/** A cluster with every default filled in: what the pipeline, plan and drivers work on. */
export interface ClusterSpec {
  name: string;
  provider: Provider;
  instance_type?: string | undefined;
  num_nodes: number;
  region?: string | undefined;
  zone?: string | undefined;
  use_spot: boolean;
  memory?: string | undefined;
  disk_size?: string | undefined;
  autostop_mins: number;
  open_ports: string[];
  /** As written, `docker:` prefix included. */
  image_id: string;
  platform: string;
  docker?: DockerCredentials | undefined;
  env: Record<string, string>;
  setup: string[];
  runhouse: RunhouseSpec["runhouse"];
  server: RunhouseSpec["server"];
  sky: { resources: Record<string, unknown>; launch: Record<string, unknown> };
}

/** A loaded cluster and where it came from, so later stages can point at the file too. */
export interface LoadedCluster {
  spec: ClusterSpec;
  file: string;
  document: number;
  /** Where `name` is written; later stages use it for errors about the cluster as a whole. */
  location: SourceLocation;
  /** Variables the document used (watch mode re-applies when one of them changes). */
  variables: string[];
}

export function normalizeCluster(file: ClusterFile, docker: DockerCredentials | undefined): ClusterSpec {
  const ports =
    file.open_ports === undefined ? [] : Array.isArray(file.open_ports) ? file.open_ports : [file.open_ports];
  return {
    name: file.name,
    provider: file.provider,
    instance_type: file.instance_type,
    num_nodes: file.num_nodes ?? DEFAULTS.num_nodes,
    region: file.region,
    zone: file.zone,
    use_spot: file.use_spot ?? DEFAULTS.use_spot,
    memory: file.memory === undefined ? undefined : String(file.memory),
    disk_size: file.disk_size === undefined ? undefined : String(file.disk_size),
    autostop_mins: file.autostop_mins ?? DEFAULTS.autostop_mins,
    open_ports: ports.map(String),
    image_id: file.image_id,
    platform: file.platform ?? DEFAULTS.platform,
    docker,
    env: Object.fromEntries(Object.entries(file.env ?? {}).map(([k, v]) => [k, String(v)])),
    setup: file.setup ?? [],
    runhouse: {
      version: file.runhouse?.version ?? DEFAULTS.runhouseVersion,
      install: file.runhouse?.install ?? true,
    },
    server: {
      port: file.server?.port ?? DEFAULTS.serverPort,
      den_auth: file.server?.den_auth ?? false,
      command: file.server?.command,
      health_path: file.server?.health_path ?? DEFAULTS.healthPath,
      health_timeout_secs: file.server?.health_timeout_secs ?? DEFAULTS.healthTimeoutSecs,
    },
    sky: { resources: file.sky?.resources ?? {}, launch: file.sky?.launch ?? {} },
  };
}
