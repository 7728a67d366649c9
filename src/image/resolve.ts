/**
 * What SkyPilot will actually pull. Its rule (`DockerInitializer.initialize`; docs/skypilot.md, "When
 * the image pull fails"): when a login server is set and the image does not start with `<server>/`,
 * the image becomes `<server>/<image>`.
 * A plain string test, so `ghcr.io/a/b:1` with server `docker.io` becomes `docker.io/ghcr.io/a/b:1`: we
 * flag that as a server mismatch instead of letting the cluster fail at pull time.
 */
import { isBareHost } from "./host.ts";
import { type ImageReference, parseImageReference, writtenRegistry } from "./parse.ts";

/** Stable codes for resolve failures (config rules may use them as diagnostic codes). */
export const IMAGE_CODES = {
  referenceInvalid: "RHX_IMAGE_REFERENCE",
  serverInvalid: "RHX_IMAGE_SERVER",
  serverMismatch: "RHX_IMAGE_SERVER_MISMATCH",
} as const;
export type ImageCode = (typeof IMAGE_CODES)[keyof typeof IMAGE_CODES];

const DOCKER_PREFIX = "docker:";

/** The image part of a Runhouse/SkyPilot `image_id` (`docker:<image>`), or undefined for a VM image id. */
export function stripDockerPrefix(imageId: string): string | undefined {
  return imageId.startsWith(DOCKER_PREFIX) ? imageId.slice(DOCKER_PREFIX.length) : undefined;
}

export interface ServerMismatch {
  /** The registry host written in the image. */
  imageRegistry: string;
  server: string;
  /** What SkyPilot would pull. */
  pulled: string;
  message: string;
  hint: string;
}

export interface ResolvedImage {
  /** The image as written, without `docker:`. */
  image: string;
  /** The name SkyPilot pulls. */
  pulled: string;
  /** True when the server was put in front of the image. */
  prefixed: boolean;
  /** The parsed form of `pulled`: this is what the registry check asks for. */
  reference: ImageReference;
  serverMismatch?: ServerMismatch;
}

export type ResolveResult =
  | { ok: true; value: ResolvedImage }
  | {
      ok: false;
      code: ImageCode;
      message: string;
      hint?: string;
      /** 0-based offset into `imageId` (including any `docker:`), when the problem is in the image. */
      offset?: number;
      serverMismatch?: ServerMismatch;
    };

/**
 * Resolves an `image_id` (with or without `docker:`) against the login server, if any. A mismatch that
 * still yields a valid name is returned as `ok: true` with `serverMismatch` set, so callers can decide
 * whether it is an error or a warning; a mismatch that yields an invalid name is a failure.
 */
export function resolveImage(imageId: string, server?: string): ResolveResult {
  const stripped = stripDockerPrefix(imageId);
  const image = stripped ?? imageId;
  const shift = imageId.length - image.length;
  const own = parseImageReference(image);
  if (!own.ok) {
    return {
      ok: false,
      code: IMAGE_CODES.referenceInvalid,
      message: own.message,
      ...(own.hint === undefined ? {} : { hint: own.hint }),
      ...(own.offset === undefined ? {} : { offset: own.offset + shift }),
    };
  }
  if (server === undefined || server === "") {
    return { ok: true, value: { image, pulled: image, prefixed: false, reference: own.value } };
  }
  const host = isBareHost(server);
  if (!host.ok) return { ok: false, code: IMAGE_CODES.serverInvalid, message: host.message, hint: host.hint };
  if (image.startsWith(`${server}/`)) {
    return { ok: true, value: { image, pulled: image, prefixed: false, reference: own.value } };
  }

  const pulled = `${server}/${image}`;
  const imageRegistry = writtenRegistry(image);
  const mismatch: ServerMismatch | undefined =
    imageRegistry === undefined
      ? undefined
      : {
          imageRegistry,
          server,
          pulled,
          message: `The image names the registry ${imageRegistry} but the login server is ${server}, so SkyPilot would pull ${pulled}.`,
          hint: `Set the server (SKYPILOT_DOCKER_SERVER or docker.server) to ${imageRegistry}, or remove "${imageRegistry}/" from image_id.`,
        };
  const parsed = parseImageReference(pulled);
  if (!parsed.ok) {
    if (mismatch) {
      return {
        ok: false,
        code: IMAGE_CODES.serverMismatch,
        message: mismatch.message,
        hint: mismatch.hint,
        serverMismatch: mismatch,
      };
    }
    return {
      ok: false,
      code: IMAGE_CODES.referenceInvalid,
      message: `With the login server in front, the image becomes "${pulled}", which is not valid: ${parsed.message}`,
      ...(parsed.hint === undefined ? {} : { hint: parsed.hint }),
    };
  }
  const value: ResolvedImage = { image, pulled, prefixed: true, reference: parsed.value };
  if (mismatch) value.serverMismatch = mismatch;
  return { ok: true, value };
}
