/**
 * The registry check's answers: one stable code per situation the user must act on differently, each
 * with a message that says what happened and a hint that says what to do. Codes are an API (users
 * search for them, `--json` consumers branch on them): never rename one.
 *
 * Messages are built only from the image name, the registry host, the user name and what the registry
 * said in the open (status, error codes, tags): never from a password or a token.
 */
import { type CodeOfFamily, codesOfFamily } from "../errors/codes.ts";
import { registryKind } from "../image/host.ts";
import type { ImageReference } from "../image/parse.ts";

export const RHX_REGISTRY_AUTH_REJECTED = "RHX_REGISTRY_AUTH_REJECTED";
export const RHX_REGISTRY_AUTH_REQUIRED = "RHX_REGISTRY_AUTH_REQUIRED";
export const RHX_REGISTRY_DENIED = "RHX_REGISTRY_DENIED";
export const RHX_IMAGE_NOT_FOUND = "RHX_IMAGE_NOT_FOUND";
export const RHX_IMAGE_PLATFORM_MISSING = "RHX_IMAGE_PLATFORM_MISSING";
export const RHX_REGISTRY_UNREACHABLE = "RHX_REGISTRY_UNREACHABLE";
export const RHX_REGISTRY_TLS = "RHX_REGISTRY_TLS";
export const RHX_REGISTRY_TIMEOUT = "RHX_REGISTRY_TIMEOUT";
export const RHX_REGISTRY_ERROR = "RHX_REGISTRY_ERROR";
/** The credentials name one registry and the image another (same code as `resolveImage`'s). */
export const RHX_IMAGE_SERVER_MISMATCH = "RHX_IMAGE_SERVER_MISMATCH";

/** The check's answers: the catalog's `registry-check` family (src/errors/codes.ts). */
export const REGISTRY_CODES = codesOfFamily("registry-check");
export type RegistryErrorCode = CodeOfFamily<"registry-check">;

export interface RegistryFailure {
  ok: false;
  code: RegistryErrorCode;
  message: string;
  hint: string;
  /** Existing tags, nearest to the requested one first (RHX_IMAGE_NOT_FOUND). */
  tags?: string[];
  /** Platforms the image has (RHX_IMAGE_PLATFORM_MISSING). */
  platforms?: string[];
  /** HTTP status behind the answer, when there was one. */
  status?: number;
}

export function failure(
  code: RegistryErrorCode,
  message: string,
  hint: string,
  extra: Partial<Pick<RegistryFailure, "tags" | "platforms" | "status">> = {},
): RegistryFailure {
  return { ok: false, code, message, hint, ...extra };
}

const SET_CREDENTIALS = (server: string) =>
  `Set SKYPILOT_DOCKER_USERNAME, SKYPILOT_DOCKER_PASSWORD and SKYPILOT_DOCKER_SERVER=${server} (or the docker: block of cluster.yaml).`;

function rejectedHint(server: string, username: string): string {
  const kind = registryKind(server);
  switch (kind.kind) {
    case "ecr":
      return (
        `ECR passwords are tokens that expire after 12 hours: refresh with ` +
        `SKYPILOT_DOCKER_PASSWORD=$(aws ecr get-login-password --region ${kind.region}), ` +
        `or leave the password empty to log in on the cluster with its instance role.` +
        (username === "AWS" ? "" : ` The user name for ECR is "AWS", not "${username}".`)
      );
    case "gar":
      return (
        'For Artifact Registry use the user "oauth2accesstoken" with the output of "gcloud auth print-access-token" ' +
        '(valid for one hour), or "_json_key" with a service-account key.'
      );
    case "ghcr":
      return "GitHub Container Registry needs a personal access token with the read:packages scope as the password.";
    case "dockerhub":
      return "Check the user name and password; Docker Hub also accepts a personal access token as the password.";
    default:
      return "Check SKYPILOT_DOCKER_USERNAME and SKYPILOT_DOCKER_PASSWORD (or docker.username / docker.password).";
  }
}

export const messages = {
  authRejected: (image: ImageReference, username: string, status: number) =>
    failure(
      RHX_REGISTRY_AUTH_REJECTED,
      `The password was rejected by ${image.registry} (user "${username}").`,
      rejectedHint(image.registry, username),
      { status },
    ),
  tokenRejected: (image: ImageReference, username: string, status: number) =>
    failure(
      RHX_REGISTRY_AUTH_REJECTED,
      `${image.registry} rejected the access token its token service issued for "${username}".`,
      `The token may have expired or been revoked. ${rejectedHint(image.registry, username)}`,
      { status },
    ),
  authRequired: (image: ImageReference, status: number, anonymousDenied = false) =>
    failure(
      RHX_REGISTRY_AUTH_REQUIRED,
      anonymousDenied
        ? `${image.registry} refused anonymous access to ${image.repository}: it is private or does not exist.`
        : `${image.registry} requires a login to pull ${image.repository}.`,
      SET_CREDENTIALS(image.registry),
      { status },
    ),
  denied: (image: ImageReference, username: string | undefined, status: number) =>
    failure(
      RHX_REGISTRY_DENIED,
      username === undefined
        ? `${image.registry} denied access to ${image.repository}.`
        : `${image.registry} accepted the login of "${username}" but denied it pull access to ${image.repository}.`,
      username === undefined
        ? SET_CREDENTIALS(image.registry)
        : "Ask for read (pull) access to the repository, and check the repository name: some registries deny rather than admit a repository does not exist.",
      { status },
    ),
  repositoryNotFound: (image: ImageReference) =>
    failure(
      RHX_IMAGE_NOT_FOUND,
      `The repository ${image.repository} does not exist on ${image.registry}.`,
      `Check the image name; the full name checked was ${image.canonical}.`,
      { status: 404 },
    ),
  tagNotFound: (image: ImageReference, tags: string[] | undefined) => {
    const what = image.digest === undefined ? `tag "${image.reference}"` : `manifest ${image.reference}`;
    const hint =
      tags === undefined
        ? "Check the tag; the registry did not let rhx list the existing ones."
        : tags.length === 0
          ? "The repository has no tags yet: push the image first."
          : `Existing tags, nearest first: ${tags.join(", ")}.`;
    return failure(RHX_IMAGE_NOT_FOUND, `${image.name} has no ${what}.`, hint, {
      status: 404,
      ...(tags === undefined ? {} : { tags }),
    });
  },
  platformMissing: (image: ImageReference, platform: string, platforms: string[]) =>
    failure(
      RHX_IMAGE_PLATFORM_MISSING,
      `${image.canonical} has no ${platform} image; it is built for ${platforms.length > 0 ? platforms.join(", ") : "no known platform"}.`,
      `Use a tag built for ${platform} (docker buildx build --platform ${platform} …), or a machine of a platform the image has.`,
      { platforms },
    ),
  unreachable: (image: ImageReference, reason: string) =>
    failure(
      RHX_REGISTRY_UNREACHABLE,
      `Cannot reach the registry ${image.apiHost}: ${reason}.`,
      "Check the registry host name and this machine's network (VPN, proxy, firewall).",
    ),
  tls: (image: ImageReference, reason: string) =>
    failure(
      RHX_REGISTRY_TLS,
      `The TLS connection to ${image.apiHost} failed: ${reason}.`,
      "If the registry uses a private certificate authority, point NODE_EXTRA_CA_CERTS at its certificate; plain HTTP is only used for loopback registries.",
    ),
  timeout: (image: ImageReference, ms: number) =>
    failure(
      RHX_REGISTRY_TIMEOUT,
      `The registry ${image.apiHost} did not answer within ${formatSeconds(ms)}.`,
      "The registry may be overloaded, or a firewall may drop the connection; try again later.",
    ),
  unexpected: (image: ImageReference, what: string, status: number, detail?: string) =>
    failure(
      RHX_REGISTRY_ERROR,
      `${image.apiHost} answered ${status} to ${what}${detail ? ` (${detail})` : ""}.`,
      status === 429
        ? "The registry is rate-limiting requests (Docker Hub limits anonymous pulls): wait, or log in."
        : "This is the registry's answer, not rhx's; try again, or check the registry's status page.",
      { status },
    ),
  protocol: (image: ImageReference, problem: string, hint: string) =>
    failure(RHX_REGISTRY_ERROR, `${image.apiHost}: ${problem}.`, hint),
};

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Internal: carries a finished answer out of deep inside the check; `checkImage` turns it back into a result. */
export class CheckFailed extends Error {
  constructor(readonly failure: RegistryFailure) {
    super(failure.message);
    this.name = "CheckFailed";
  }
}
