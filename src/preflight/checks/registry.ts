import type { LoadedCluster } from "../../config/cluster.ts";
import { IMAGE_CODES, resolveImage } from "../../image/reference.ts";
import { checkImage } from "../../registry/client.ts";
import { describeInstanceRoleMode } from "../../registry/credentials.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import type { CheckResult } from "../types.ts";

const ID = "registry";

/**
 * Proves, from this machine and before any launch, that the credentials open the registry and the
 * tag exists for the target platform: the failure SkyPilot only reports after billing a VM.
 */
export async function checkRegistry(
  cluster: LoadedCluster,
  options: { signal: AbortSignal; redactor: Redactor },
): Promise<CheckResult> {
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
  // Config validation reports this at its location; the guard keeps the password from ever being
  // offered to a registry the image does not name, whatever path the credentials came by.
  if (image.serverMismatch)
    return {
      id: ID,
      title,
      status: "fail",
      code: IMAGE_CODES.serverMismatch,
      message: image.serverMismatch.message,
      hint: image.serverMismatch.hint,
    };
  if (credentials && credentials.password === "") {
    const mode = describeInstanceRoleMode(credentials.server);
    // The VM logs in with its own identity: an IAM role exists only on AWS, a service account on GCP.
    const cloud = mode?.kind === "ecr" ? "aws" : mode?.kind === "gar" ? "gcp" : undefined;
    if (mode && (spec.provider === cloud || spec.provider === "cheapest"))
      return {
        id: ID,
        title,
        status: "warn",
        code: "RHX_REGISTRY_INSTANCE_ROLE",
        message: mode.message,
        hint:
          spec.provider === "cheapest"
            ? `${mode.hint} This works only if the cheapest offer is on ${cloud === "aws" ? "AWS" : "GCP"}: set \`provider: ${cloud}\` to be sure.`
            : mode.hint,
      };
    return {
      id: ID,
      title,
      status: "fail",
      code: "RHX_REGISTRY_EMPTY_PASSWORD",
      message: `The registry password is empty${mode ? `; instance-role login works only on a ${cloud === "aws" ? "AWS" : "GCP"} cluster, and this one is \`provider: ${spec.provider}\`` : ""}.`,
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
    redactor: options.redactor,
  });
  if (!result.ok) {
    // A missing tag's hint already lists the tags that exist, nearest first.
    return { id: ID, title, status: "fail", code: result.code, message: result.message, hint: result.hint };
  }
  return {
    id: ID,
    title,
    status: "pass",
    message: `${image.pulled}${result.digest ? ` (${result.digest.slice(0, 19)}…)` : ""} is there${credentials ? ` and ${credentials.username} can pull it` : ""}.`,
  };
}
