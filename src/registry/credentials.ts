/**
 * The SKYPILOT_DOCKER_* trio before any network call: SkyPilot refuses a task that sets some but not all
 * of them, and treats an empty password for an ECR or Artifact Registry server as "log in on the VM with
 * its instance role" (skypilot-cli.md §2). Pure; never echoes a value, only variable names.
 */
import { registryKind } from "../image/host.ts";

export const DOCKER_LOGIN_ENV_VARS = [
  "SKYPILOT_DOCKER_USERNAME",
  "SKYPILOT_DOCKER_PASSWORD",
  "SKYPILOT_DOCKER_SERVER",
] as const;
export type DockerLoginVar = (typeof DOCKER_LOGIN_ENV_VARS)[number];

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

export type CredentialsPresence =
  | { state: "none" }
  | { state: "complete"; credentials: { username: string; password: string; server: string } }
  | { state: "instance-role"; username: string; server: string; mode: InstanceRoleMode }
  | {
      state: "incomplete";
      missing: DockerLoginVar[];
      empty: DockerLoginVar[];
      message: string;
      hint: string;
    };

const [USERNAME, PASSWORD, SERVER] = DOCKER_LOGIN_ENV_VARS;

/** Which of the three variables are set, in an environment-like record (`undefined` = not set). */
export function checkCredentialsPresence(
  env: Readonly<Record<string, string | undefined>>,
): CredentialsPresence {
  const missing = DOCKER_LOGIN_ENV_VARS.filter((name) => env[name] === undefined);
  if (missing.length === DOCKER_LOGIN_ENV_VARS.length) return { state: "none" };
  const all = DOCKER_LOGIN_ENV_VARS.join(", ");
  if (missing.length > 0) {
    const present = DOCKER_LOGIN_ENV_VARS.filter((name) => !missing.includes(name));
    return {
      state: "incomplete",
      missing,
      empty: [],
      message: `${list(missing)} ${missing.length === 1 ? "is" : "are"} not set, but ${list(present)} ${present.length === 1 ? "is" : "are"}: SkyPilot needs the docker login variables together.`,
      hint: `Set all of ${all}, or none of them to pull the image anonymously.`,
    };
  }
  const username = env[USERNAME] ?? "";
  const password = env[PASSWORD] ?? "";
  const server = (env[SERVER] ?? "").trim();
  const incomplete = (empty: DockerLoginVar[], message: string, hint: string): CredentialsPresence => ({
    state: "incomplete",
    missing: [],
    empty,
    message,
    hint,
  });
  if (server === "") {
    return incomplete(
      [SERVER],
      `${SERVER} is empty.`,
      "Set it to the registry host, such as ghcr.io or nvcr.io.",
    );
  }
  if (password === "") {
    const mode = describeInstanceRoleMode(server);
    if (mode) return { state: "instance-role", username, server, mode };
    return incomplete(
      [PASSWORD],
      `${PASSWORD} is empty; only ECR and Artifact Registry servers can log in without a password (with the cluster's instance role).`,
      `Set ${PASSWORD} to the password or access token for ${server}.`,
    );
  }
  if (username === "") {
    return incomplete([USERNAME], `${USERNAME} is empty.`, `Set it to the user name for ${server}.`);
  }
  return { state: "complete", credentials: { username, password, server } };
}

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
