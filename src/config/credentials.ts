import { isBareHost, parseImageReference, resolveImage } from "../image/reference.ts";
import type { DockerCredentials } from "./cluster.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { Environment } from "./env.ts";
import type { RuleContext } from "./rules.ts";

/** The registry login variables Runhouse and SkyPilot read: their names live here and only here. */
export const DOCKER_ENV = {
  username: "SKYPILOT_DOCKER_USERNAME",
  password: "SKYPILOT_DOCKER_PASSWORD",
  server: "SKYPILOT_DOCKER_SERVER",
} as const;

export type DockerEnvName = (typeof DOCKER_ENV)[keyof typeof DOCKER_ENV];

/** The three names in SkyPilot's order (user name, password, server). */
export const DOCKER_ENV_NAMES: readonly DockerEnvName[] = [
  DOCKER_ENV.username,
  DOCKER_ENV.password,
  DOCKER_ENV.server,
];

type Reporter = Pick<RuleContext, "report" | "cluster" | "isUnresolved">;

/**
 * The registry credentials a cluster will use: its `docker:` block, else SKYPILOT_DOCKER_* from the
 * environment, as Runhouse copies them into the SkyPilot task. Either way all three or none.
 */
export function resolveCredentials(context: Reporter, env: Environment): DockerCredentials | undefined {
  const { cluster, report } = context;
  const block = cluster.docker;
  let credentials: DockerCredentials | undefined;
  if (block) {
    if (block.username === undefined || block.password === undefined || block.server === undefined)
      return undefined;
    credentials = {
      username: block.username,
      password: block.password,
      server: block.server,
      source: "config",
    };
  } else {
    const values = {
      username: env.get(DOCKER_ENV.username)?.value,
      password: env.get(DOCKER_ENV.password)?.value,
      server: env.get(DOCKER_ENV.server)?.value,
    };
    const set = (Object.keys(DOCKER_ENV) as (keyof typeof DOCKER_ENV)[]).filter(
      (k) => values[k] !== undefined,
    );
    if (set.length === 0) return undefined;
    if (set.length < 3) {
      const missing = (Object.keys(DOCKER_ENV) as (keyof typeof DOCKER_ENV)[])
        .filter((k) => values[k] === undefined)
        .map((k) => DOCKER_ENV[k]);
      report(["image_id"], {
        code: "RHX_DOCKER_CREDENTIALS_PARTIAL",
        severity: "error",
        message: `${set.map((k) => DOCKER_ENV[k]).join(" and ")} ${set.length === 1 ? "is" : "are"} set but ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not; SkyPilot needs all three or none.`,
        hint: `Set ${missing.join(" and ")} (in the environment or .env), or unset the others.`,
      });
      return undefined;
    }
    credentials = {
      username: values.username ?? "",
      password: values.password ?? "",
      server: values.server ?? "",
      source: "environment",
    };
  }
  checkServer(context, credentials);
  return credentials;
}

function checkServer(context: Reporter, credentials: DockerCredentials): void {
  const path = credentials.source === "config" ? ["docker", "server"] : ["image_id"];
  if (context.isUnresolved(path)) return;
  const verdict = isBareHost(credentials.server);
  if (!verdict.ok) {
    context.report(path, {
      code: "RHX_DOCKER_SERVER_FORM",
      severity: "error",
      message: `${credentials.source === "environment" ? `${DOCKER_ENV.server}: ` : ""}${verdict.message}`,
      hint: verdict.hint,
    });
  }
}

/**
 * The image reference grammar (distribution/reference), and SkyPilot's server-prefix rule: an image
 * that names one registry while the credentials name another would be pulled from a wrong name.
 */
export function checkImageReference(context: Reporter, credentials: DockerCredentials | undefined): void {
  const { cluster } = context;
  if (context.isUnresolved(["image_id"]) || !cluster.image_id.startsWith("docker:")) return;
  const parsed = parseImageReference(cluster.image_id.slice("docker:".length));
  if (!parsed.ok) {
    context.report(["image_id"], {
      code: "RHX_IMAGE_REFERENCE",
      severity: "error",
      message: `\`image_id\` is not a valid image reference: ${parsed.message}`,
      hint:
        parsed.hint ??
        "Write `docker:<registry>/<repository>:<tag>`, e.g. `docker:nvcr.io/nvidia/pytorch:23.10-py3`.",
    });
    return;
  }
  if (!credentials || !isBareHost(credentials.server).ok) return;
  const resolved = resolveImage(cluster.image_id, credentials.server);
  const mismatch = resolved.ok ? resolved.value.serverMismatch : resolved.serverMismatch;
  if (mismatch) {
    context.report(["image_id"], {
      code: "RHX_DOCKER_SERVER_MISMATCH",
      severity: "error",
      message: mismatch.message,
      hint: mismatch.hint,
    });
  }
}

export type { Diagnostic };
