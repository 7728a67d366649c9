/**
 * `checkImage`: from the user's machine, in seconds, whether the cluster will be able to pull its
 * image, over the OCI distribution API with Node's fetch (no Docker engine):
 *   GET /v2/ (answering Basic or Bearer) → HEAD the manifest (cheap 404; HEAD is not counted by
 *   Docker Hub's pull limit) → GET it to see its platforms → for a single-platform image, read the
 *   config blob's os/architecture (an arm64-only image pushed from a laptop fails on an amd64 VM only
 *   after it was paid for) → on 404, list the tags that exist.
 * Never throws for a registry problem: every one is a result with a stable code. It throws only the
 * caller's abort reason, or an RhxError for an invalid `platform` argument.
 */
import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import { sameRegistry } from "../image/host.ts";
import type { ImageReference } from "../image/parse.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { type RegistryCredentials, RegistrySession } from "./auth.ts";
import { CheckFailed, failure, messages, type RegistryFailure, RHX_IMAGE_SERVER_MISMATCH } from "./errors.ts";
import { NetworkFailure, type Transport } from "./http.ts";
import { fetchManifest, manifestPlatforms } from "./manifest.ts";
import {
  DEFAULT_PLATFORM,
  formatPlatform,
  type Platform,
  parsePlatform,
  platformMatches,
} from "./platform.ts";

export type { RegistryCredentials } from "./auth.ts";

export { MEDIA_TYPES } from "./manifest.ts";

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Cap on how long a 429/503 Retry-After is honoured before giving up instead of retrying. */
export const MAX_RETRY_AFTER_MS = 5_000;

export interface CheckImageOptions {
  image: ImageReference;
  /** The run's redactor: the password is registered in it, and every result passes it. */
  redactor: Redactor;
  credentials?: RegistryCredentials | undefined;
  /** `os/arch[/variant]`; default linux/amd64. */
  platform?: string | undefined;
  /** Per request; default 10 s. */
  timeoutMs?: number | undefined;
  /** Whole check, retries included; default three times `timeoutMs`. */
  totalTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch | undefined;
}

export interface ImageCheckSuccess {
  ok: true;
  digest?: string;
  mediaType: string;
  /**
   * True when the target platform is in the image; undefined when that could not be read. Never
   * false: a missing platform is the failure RHX_IMAGE_PLATFORM_MISSING.
   */
  platformFound?: boolean;
  platforms?: string[];
}

export type ImageCheckResult = ImageCheckSuccess | RegistryFailure;

export async function checkImage(options: CheckImageOptions): Promise<ImageCheckResult> {
  const { image, credentials, signal, redactor } = options;
  if (credentials) redactor.register(credentials.password);
  const platformText = options.platform ?? DEFAULT_PLATFORM;
  const target = parsePlatform(platformText);
  if (!target) {
    throw new RhxError({
      code: "RHX_IMAGE_PLATFORM_INVALID",
      message: `The platform "${platformText}" is not of the form os/arch[/variant], such as linux/amd64.`,
      exitCode: ExitCode.ConfigInvalid,
    });
  }
  if (credentials?.server && !sameRegistry(credentials.server, image.registry)) {
    // The password belongs to the server it was given for: it is never offered to another registry.
    return failure(
      RHX_IMAGE_SERVER_MISMATCH,
      `The login is for ${credentials.server} but the image ${image.canonical} is on ${image.registry}.`,
      `Set the server (SKYPILOT_DOCKER_SERVER or docker.server) to ${image.registry}, or name an image on ${credentials.server}.`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const totalMs = options.totalTimeoutMs ?? timeoutMs * 3;
  const transport: Transport = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
    deadline: Date.now() + totalMs,
    totalMs,
    signal,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
  };
  const session = new RegistrySession(transport, image, credentials);
  try {
    return redactor.redactValue(await runCheck(session, transport, image, target));
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof CheckFailed) return redactor.redactValue(error.failure);
    if (error instanceof NetworkFailure) return redactor.redactValue(fromNetwork(image, error));
    throw error;
  }
}

async function runCheck(
  session: RegistrySession,
  transport: Transport,
  image: ImageReference,
  target: Platform,
): Promise<ImageCheckResult> {
  const ping = await session.request(session.url("/v2/"), { method: "GET", headers: {} });
  await ping.body?.cancel();
  if (ping.status === 404) {
    return messages.protocol(
      image,
      "there is no registry API at /v2/ (404)",
      "Check that the server is a Docker/OCI registry.",
    );
  }
  if (ping.status === 403) return messages.denied(image, session.username, 403);
  if (ping.status < 200 || ping.status > 299) return messages.unexpected(image, "GET /v2/", ping.status);

  const manifest = await fetchManifest(session, transport, image);
  if ("ok" in manifest) return manifest;
  const base = { ok: true as const, digest: manifest.digest, mediaType: manifest.mediaType };
  const platforms = await manifestPlatforms(session, transport, image, manifest);
  if (platforms === undefined) return base;
  const names = platforms.map(formatPlatform);
  if (!platforms.some((p) => platformMatches(p, target))) {
    return messages.platformMissing(image, formatPlatform(target), names);
  }
  return { ...base, platformFound: true, platforms: names };
}

function fromNetwork(image: ImageReference, error: NetworkFailure): RegistryFailure {
  switch (error.kind) {
    case "timeout":
      return messages.timeout(image, error.timeoutMs);
    case "tls":
      return messages.tls(image, error.reason);
    case "redirect":
      return messages.protocol(
        image,
        error.reason,
        "rhx follows redirects only to HTTPS (or loopback) addresses.",
      );
    default:
      return messages.unreachable(image, error.reason);
  }
}
