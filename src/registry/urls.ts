/** Where the OCI distribution API of an image lives. Pure, so config checks and `--verbose` can show it. */
import { isLoopbackHost } from "../image/host.ts";
import type { ImageReference } from "../image/parse.ts";

/** `https://<apiHost>`, or `http://` for a loopback registry (the only plain-HTTP case). */
export function registryOrigin(image: ImageReference): string {
  return `${isLoopbackHost(image.apiHost) ? "http" : "https"}://${image.apiHost}`;
}

/** The manifest URL the check asks for: `<origin>/v2/<repository>/manifests/<tag or digest>`. */
export function manifestUrl(image: ImageReference): string {
  return `${registryOrigin(image)}/v2/${image.repository}/manifests/${image.reference}`;
}
