/**
 * The public face of image references, used by config validation and the registry client:
 * `parseImageReference` (the distribution grammar), `resolveImage` (SkyPilot's server-prefix rule),
 * `isBareHost` / `registryKind` (what SKYPILOT_DOCKER_SERVER may be and which registry it is). All pure.
 */
export type { HostCheck, RegistryKind } from "./host.ts";
export { isBareHost, isLoopbackHost, registryKind, sameRegistry, splitHostPort } from "./host.ts";
export type { ImageReference, ParseResult } from "./parse.ts";
export {
  DEFAULT_TAG,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  parseImageReference,
  writtenRegistry,
} from "./parse.ts";
export type { ResolvedImage, ResolveResult, ServerMismatch } from "./resolve.ts";
export { IMAGE_CODES, resolveImage, stripDockerPrefix } from "./resolve.ts";
