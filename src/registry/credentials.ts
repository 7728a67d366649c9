/**
 * SkyPilot treats an empty registry password for an ECR or Artifact Registry server as "log in on the
 * VM with its instance role". Pure; never echoes a value.
 */
import { registryKind } from "../image/host.ts";

export interface InstanceRoleMode {
  kind: "ecr" | "gar";
  server: string;
  region?: string;
  message: string;
  hint: string;
}

/** The empty-password login mode for `server`, or undefined when SkyPilot has none for it. */
export function describeInstanceRoleMode(server: string): InstanceRoleMode | undefined {
  const kind = registryKind(server);
  if (kind.kind === "ecr") {
    return {
      kind: "ecr",
      server,
      region: kind.region,
      message: `The password is empty, so the cluster will log in to ${server} with its instance role (aws ecr get-login-password --region ${kind.region}).`,
      hint: "rhx cannot check the image from here without a password; the instance role needs ECR pull permissions (for example AmazonEC2ContainerRegistryReadOnly).",
    };
  }
  if (kind.kind === "gar") {
    return {
      kind: "gar",
      server,
      message: `The password is empty, so the cluster will log in to ${server} with its instance role (gcloud auth configure-docker ${server}).`,
      hint: "rhx cannot check the image from here without a password; the VM's service account needs roles/artifactregistry.reader.",
    };
  }
  return undefined;
}
