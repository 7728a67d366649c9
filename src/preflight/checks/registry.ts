import type { LoadedCluster } from "../../config/cluster.ts";
import { resolveImage } from "../../image/reference.ts";
import { checkImage } from "../../registry/client.ts";
import { describeInstanceRoleMode } from "../../registry/credentials.ts";
import type { CheckResult, PreflightOptions } from "../types.ts";

const ID = "registry";

/**
 * Proves, from this machine and before any launch, that the credentials open the registry and the
 * tag exists for the target platform: the failure SkyPilot only reports after billing a VM.
 */
export async function checkRegistry(cluster: LoadedCluster, options: PreflightOptions): Promise<CheckResult> {
  const { spec } = cluster;
  const credentials = spec.docker;
  const title = "registry login and image";
  const resolved = resolveImage(spec.image_id, credentials?.server);
  if (!resolved.ok)
    return {
      id: ID,
      title,
      status: "fail",
      code: resolved.code,
      message: resolved.message,
      hint: resolved.hint,
    };
  const image = resolved.value;
  if (credentials && credentials.password === "") {
    const mode = describeInstanceRoleMode(credentials.server);
    if (mode && spec.provider !== "local")
      return {
        id: ID,
        title,
        status: "warn",
        code: "RHX_REGISTRY_INSTANCE_ROLE",
        message: mode.message,
        hint: mode.hint,
      };
    return {
      id: ID,
      title,
      status: "fail",
      code: "RHX_REGISTRY_EMPTY_PASSWORD",
      message: `The registry password is empty${mode ? `; instance-role login works only on a ${mode.kind === "ecr" ? "AWS" : "GCP"} cluster` : ""}.`,
      hint: "Set SKYPILOT_DOCKER_PASSWORD (or docker.password).",
    };
  }
  if (!credentials && spec.provider === "local") {
    // No registry is reachable for a public image here: the local engine's own copy (or pull) decides.
    return {
      id: ID,
      title,
      status: "pass",
      message: `${image.pulled}: public image, used from the local engine.`,
    };
  }
  const result = await checkImage({
    image: image.reference,
    credentials: credentials
      ? { username: credentials.username, password: credentials.password, server: credentials.server }
      : undefined,
    platform: spec.platform,
    signal: options.signal,
  });
  if (!result.ok) {
    const tags = result.tags?.length ? ` Tags that exist: ${result.tags.join(", ")}.` : "";
    return {
      id: ID,
      title,
      status: "fail",
      code: result.code,
      message: `${result.message}${tags}`,
      hint: result.hint,
    };
  }
  return {
    id: ID,
    title,
    status: "pass",
    message: `${image.pulled}${result.digest ? ` (${result.digest.slice(0, 19)}…)` : ""} is there${credentials ? ` and ${credentials.username} can pull it` : ""}.`,
  };
}
