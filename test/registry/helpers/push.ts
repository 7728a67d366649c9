/**
 * Pushes tiny images to a registry with plain OCI distribution calls (blob upload POST + PUT, manifest
 * PUT), so registry tests need no Docker engine. The layer is a few arbitrary bytes: registries store
 * blobs by digest and never unpack them.
 */
import { createHash } from "node:crypto";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

export function sha256(data: string | Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export class Pusher {
  constructor(
    private readonly origin: string,
    private readonly authorization: string,
  ) {}

  static basic(origin: string, user: string, password: string): Pusher {
    return new Pusher(origin, `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
  }

  async blob(repository: string, data: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(data);
    const start = await fetch(`${this.origin}/v2/${repository}/blobs/uploads/`, {
      method: "POST",
      headers: { Authorization: this.authorization },
    });
    await start.body?.cancel();
    const location = start.headers.get("location");
    if (start.status !== 202 || location === null) throw new Error(`blob upload start: ${start.status}`);
    const url = new URL(location, this.origin);
    url.searchParams.set("digest", digest);
    const put = await fetch(url, {
      method: "PUT",
      headers: { Authorization: this.authorization, "Content-Type": "application/octet-stream" },
      body: data,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
    return { mediaType, digest, size: data.length };
  }

  async manifest(
    repository: string,
    reference: string,
    mediaType: string,
    manifest: object,
  ): Promise<Descriptor> {
    const body = Buffer.from(JSON.stringify(manifest));
    const response = await fetch(`${this.origin}/v2/${repository}/manifests/${reference}`, {
      method: "PUT",
      headers: { Authorization: this.authorization, "Content-Type": mediaType },
      body,
    });
    const text = await response.text();
    if (response.status !== 201)
      throw new Error(`manifest put ${repository}:${reference}: ${response.status} ${text}`);
    return { mediaType, digest: sha256(body), size: body.length };
  }

  /** A one-layer image for `platform`, tagged `tag` (OCI or Docker schema 2). */
  async image(
    repository: string,
    tag: string,
    platform: PlatformSpec,
    format: "oci" | "docker" = "oci",
  ): Promise<Descriptor> {
    const layerBytes = Buffer.from(`layer of ${repository}:${tag} for ${platform.architecture}\n`);
    const config = Buffer.from(
      JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: [sha256(layerBytes)] }, config: {} }),
    );
    const oci = format === "oci";
    const configDesc = await this.blob(
      repository,
      config,
      oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json",
    );
    const layerDesc = await this.blob(
      repository,
      layerBytes,
      oci
        ? "application/vnd.oci.image.layer.v1.tar+gzip"
        : "application/vnd.docker.image.rootfs.diff.tar.gzip",
    );
    const mediaType = oci ? OCI_MANIFEST : DOCKER_MANIFEST;
    return this.manifest(repository, tag, mediaType, {
      schemaVersion: 2,
      mediaType,
      config: configDesc,
      layers: [layerDesc],
    });
  }

  /** An index / manifest list over already pushed manifests. */
  async index(
    repository: string,
    tag: string,
    entries: Array<{ descriptor: Descriptor; platform: PlatformSpec }>,
    format: "oci" | "docker" = "oci",
  ): Promise<Descriptor> {
    const mediaType = format === "oci" ? OCI_INDEX : DOCKER_LIST;
    return this.manifest(repository, tag, mediaType, {
      schemaVersion: 2,
      mediaType,
      manifests: entries.map((e) => ({ ...e.descriptor, platform: e.platform })),
    });
  }
}
