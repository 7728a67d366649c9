/**
 * Reading an image's manifest: HEAD first (a cheap 404, and Docker Hub does not count HEADs against
 * its pull limit), then GET for the body, since only the body says which platforms the image has.
 * A 405 to HEAD just means "use GET". On 404 the existing tags are listed for the answer.
 */
import { createHash } from "node:crypto";
import type { ImageReference } from "../image/parse.ts";
import type { RegistrySession } from "./auth.ts";
import { messages, type RegistryFailure } from "./errors.ts";
import { readText, type Transport } from "./http.ts";
import { configPlatform, indexPlatforms, type Platform } from "./platform.ts";
import { listTags, nearestTags } from "./tags.ts";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;
const ACCEPT = Object.values(MEDIA_TYPES).join(", ");
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);

export interface Manifest {
  mediaType: string;
  digest: string;
  isIndex: boolean;
  json: Record<string, unknown>;
}

export async function fetchManifest(
  session: RegistrySession,
  transport: Transport,
  image: ImageReference,
): Promise<Manifest | RegistryFailure> {
  const url = session.url(`/v2/${image.repository}/manifests/${image.reference}`);
  const head = await session.request(url, { method: "HEAD", headers: { Accept: ACCEPT } });
  await head.body?.cancel();
  if (head.status === 404) return notFound(session, transport, image);
  if (head.status === 403) return messages.denied(image, session.username, 403);
  if (head.status !== 405 && (head.status < 200 || head.status > 299)) {
    return messages.unexpected(image, `HEAD ${url.pathname}`, head.status);
  }

  const get = await session.request(url, { method: "GET", headers: { Accept: ACCEPT } });
  if (get.status !== 200) await get.body?.cancel();
  if (get.status === 404) return notFound(session, transport, image);
  if (get.status === 403) return messages.denied(image, session.username, 403);
  if (get.status !== 200) return messages.unexpected(image, `GET ${url.pathname}`, get.status);
  const body = await readText(transport, get);
  const json = parseJson(body);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return messages.protocol(
      image,
      "the manifest is not a JSON object",
      "This is a registry problem; try again.",
    );
  }
  const manifest = json as Record<string, unknown>;
  const contentType = (get.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  const mediaType = typeof manifest.mediaType === "string" ? manifest.mediaType : contentType;
  return {
    mediaType,
    // The registry's digest is authoritative; hashing the body is the fallback for registries that omit it.
    digest:
      image.digest ??
      get.headers.get("docker-content-digest") ??
      `sha256:${createHash("sha256").update(body).digest("hex")}`,
    isIndex: INDEX_TYPES.has(mediaType) || Array.isArray(manifest.manifests),
    json: manifest,
  };
}

/**
 * The platforms a manifest is for: an index lists them; a single-platform image declares its own in
 * the config blob. Undefined when that cannot be read (a courtesy check: it then says nothing).
 */
export async function manifestPlatforms(
  session: RegistrySession,
  transport: Transport,
  image: ImageReference,
  manifest: Manifest,
): Promise<Platform[] | undefined> {
  if (manifest.isIndex) return indexPlatforms(manifest.json);
  const digest = (manifest.json.config as { digest?: unknown } | undefined)?.digest;
  if (typeof digest !== "string" || !/^[a-z0-9]+:[a-f0-9]+$/.test(digest)) return undefined;
  try {
    const blob = await session.request(session.url(`/v2/${image.repository}/blobs/${digest}`), {
      method: "GET",
      headers: {},
    });
    if (blob.status !== 200) {
      await blob.body?.cancel();
      return undefined;
    }
    const platform = configPlatform(parseJson(await readText(transport, blob, 1024 * 1024)));
    return platform === undefined ? undefined : [platform];
  } catch (error) {
    if (transport.signal?.aborted) throw error;
    return undefined;
  }
}

async function notFound(
  session: RegistrySession,
  transport: Transport,
  image: ImageReference,
): Promise<RegistryFailure> {
  const listing = await listTags(session, transport, image.repository);
  if (listing.kind === "repository-unknown") return messages.repositoryNotFound(image);
  if (listing.kind === "unavailable") return messages.tagNotFound(image, undefined);
  return messages.tagNotFound(image, nearestTags(image.reference, listing.tags));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
